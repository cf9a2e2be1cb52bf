"""The admin's preview, theme stylesheet and contrast check need a model permission, not only staff."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from tests.admin_forms import theme_form_data
from widget.admin_preview import may_preview

pytestmark = pytest.mark.django_db

PREVIEW = "/admin/widget/widget/preview/"
THEME_CSS = "/admin/widget/widget/preview/theme.css"
CONTRAST = "/admin/widget/theme/contrast/"


@pytest.fixture
def staff(client, django_user_model):
    """Logs in a staff user holding the given permission codenames (none by default)."""

    def log_in(*codenames: str):
        user = django_user_model.objects.create_user("staffer", "staff@example.com", "staff-pw-4471", is_staff=True)
        user.user_permissions.set(Permission.objects.filter(content_type__app_label="widget", codename__in=codenames))
        client.force_login(user)
        return user

    return log_in


def statuses(client, theme) -> dict[str, int]:
    return {
        "preview": client.get(PREVIEW, {"theme": theme.pk}).status_code,
        "theme css": client.get(THEME_CSS, {"theme": theme.pk}).status_code,
        "contrast": client.get(CONTRAST, theme_form_data()).status_code,
    }


def test_staff_without_any_permission_are_refused_all_three(client, staff, theme, offered_names):
    staff()
    assert statuses(client, theme) == {"preview": 403, "theme css": 403, "contrast": 403}


@pytest.mark.parametrize("codename", ["view_widget", "change_widget", "add_widget"])
def test_widget_permissions_open_the_preview_and_its_theme_but_not_the_contrast_check(
    client, staff, theme, offered_names, codename
):
    staff(codename)
    assert statuses(client, theme) == {"preview": 200, "theme css": 200, "contrast": 403}


@pytest.mark.parametrize("codename", ["view_theme", "change_theme", "add_theme"])
def test_theme_permissions_open_all_three_since_the_theme_form_frames_the_preview(
    client, staff, theme, offered_names, codename
):
    staff(codename)
    assert statuses(client, theme) == {"preview": 200, "theme css": 200, "contrast": 200}


def test_permissions_on_other_models_do_not_count(client, staff, theme, offered_names, django_user_model):
    user = staff()
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_user", "change_group"]))
    assert statuses(client, theme) == {"preview": 403, "theme css": 403, "contrast": 403}


def test_visitors_who_are_not_logged_in_are_sent_to_the_login_page(client, theme):
    for path in (PREVIEW, THEME_CSS, CONTRAST):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_preview_socket_rule_is_the_preview_page_rule(django_user_model):
    user = django_user_model.objects.create_user("socketer", is_staff=True)
    assert may_preview(user) is False
    user.user_permissions.add(Permission.objects.get(codename="view_widget"))
    user = django_user_model.objects.get(pk=user.pk)  # permissions are cached per instance
    assert may_preview(user) is True
    user.is_active = False
    assert may_preview(user) is False
    user.is_active, user.is_staff = True, False
    assert may_preview(user) is False
    assert may_preview(None) is False


async def preview_socket_close_code(user) -> int | None:
    """Open /ws/preview/ as ``user`` (the session's user, as AuthMiddlewareStack sets it)."""
    from channels.testing import WebsocketCommunicator

    from widget.consumers import PreviewConsumer

    communicator = WebsocketCommunicator(
        PreviewConsumer.as_asgi(),
        "/ws/preview/?types=3",
        headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")],
    )
    communicator.scope["user"] = user
    communicator.scope["url_route"] = {"args": (), "kwargs": {}}
    await communicator.connect()
    first = await communicator.receive_output(5)
    await communicator.disconnect()
    return first.get("code") if first["type"] == "websocket.close" else None


@pytest.mark.django_db(transaction=True)
async def test_the_preview_socket_asks_the_same_permissions_as_the_preview_page():
    from asgiref.sync import sync_to_async
    from django.contrib.auth.models import Permission, User

    def staff(name: str, codename: str | None) -> User:
        user = User.objects.create_user(name, password="x", is_staff=True)
        if codename:
            user.user_permissions.add(Permission.objects.get(codename=codename))
        return User.objects.get(pk=user.pk)  # fresh: no cached permissions

    bare = await sync_to_async(staff)("bare-staff", None)
    viewer = await sync_to_async(staff)("widget-viewer", "view_widget")
    assert await preview_socket_close_code(bare) == 4404, "staff alone sees nothing"
    assert await preview_socket_close_code(viewer) is None, "view_widget gets the live preview"


@pytest.mark.django_db(transaction=True)
async def test_the_preview_socket_before_the_feed_offers_any_game_type_shows_an_empty_widget():
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.contrib.auth.models import User

    from widget.consumers import PreviewConsumer

    user = await sync_to_async(User.objects.create_superuser)("first-admin", "a@example.com", "x")
    communicator = WebsocketCommunicator(
        PreviewConsumer.as_asgi(), "/ws/preview/", headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    )
    communicator.scope["user"] = user
    communicator.scope["url_route"] = {"args": (), "kwargs": {}}
    connected, _ = await communicator.connect()
    assert connected
    snapshot = await communicator.receive_json_from(5)
    assert snapshot["type"] == "snapshot" and snapshot["games"] == []
    await communicator.disconnect()
