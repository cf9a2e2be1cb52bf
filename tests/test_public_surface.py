"""Nothing public that should not be: demo pages, operator endpoints, secrets on the debug page."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

TOKEN = "ops-token-for-tests-0123456789abcdef"
# Built from pieces: the error page shows this file's source, which must not hold the secret itself.
SECRET = "hun" + "ter2"


@pytest.mark.parametrize("path", ["/", "/demo/partner/"])
def test_demo_pages_exist_only_when_asked_for(client, widget, path):
    with override_settings(DEMO_PAGES=False):
        assert client.get(path).status_code == 404
    with override_settings(DEMO_PAGES=True):
        assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/metrics", "/readyz"])
def test_operator_endpoints_answer_allowed_networks_or_the_token_only(client, path):
    assert client.get(path).status_code != 403  # 127.0.0.1: the default allow-list is loopback
    outsider = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get(path, **outsider).status_code == 403
    with override_settings(OPS_TOKEN=TOKEN):
        assert client.get(path, HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **outsider).status_code != 403
        assert client.get(path, HTTP_AUTHORIZATION="Bearer wrong-token-0123456789abcdef", **outsider).status_code == 403
    import ipaddress

    with override_settings(OPS_ALLOWED_NETWORKS=[ipaddress.ip_network("203.0.113.0/24")]):
        assert client.get(path, **outsider).status_code != 403
    assert client.get("/livez", **outsider).status_code == 200  # liveness stays open for load balancers


def test_the_debug_error_page_masks_passwords_in_url_settings(rf):
    from django.views.debug import ExceptionReporter

    with override_settings(
        # Built from pieces: the traceback shows this source, which must not hold the secret itself.
        REDIS_URL="redis://:" + "hun" + "ter2-redis@redis.internal:6379/0",
        CHANNEL_LAYERS={
            "default": {"CONFIG": {"hosts": ["redis://user:" + "hun" + "ter2-layer@redis.internal:6379/0"]}}
        },
        BETCORE_HUB_URL="https://feed:" + "hun" + "ter2-hub@hub.example/hubs",
        DEBUG=True,
    ):
        request = rf.get("/w/x/")
        try:
            raise RuntimeError("boom")
        except RuntimeError as error:
            html = ExceptionReporter(request, type(error), error, error.__traceback__).get_traceback_html()
    assert SECRET not in html
    assert "redis://:********@redis.internal:6379/0" in html


def test_admin_and_other_pages_get_a_strict_policy_and_widget_pages_keep_theirs(client, widget):
    admin = client.get("/admin/login/")
    assert "script-src 'self'" in admin["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in admin["Content-Security-Policy"]
    assert "camera=()" in admin["Permissions-Policy"]
    page = client.get(f"/w/{widget.public_id}/")
    assert "frame-ancestors 'self' https://partner.example" in page["Content-Security-Policy"]


def test_admin_login_is_throttled_per_address_and_user(client, django_user_model):
    django_user_model.objects.create_superuser("boss", "boss@example.com", "right-password-123")
    for _ in range(5):
        response = client.post("/admin/login/", {"username": "boss", "password": "wrong"})
        assert response.status_code == 200  # the form again
    response = client.post("/admin/login/", {"username": "boss", "password": "right-password-123"})
    assert response.status_code == 200, "locked: even the right password waits"
    other = client.post(
        "/admin/login/", {"username": "boss", "password": "right-password-123"}, REMOTE_ADDR="198.51.100.7"
    )
    assert other.status_code == 302, "another address is not affected"
