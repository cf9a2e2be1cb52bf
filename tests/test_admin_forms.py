"""The admin's server side: contrast warnings and refusals, game types from the feed's offer, in order."""

import pytest

from tests.admin_forms import theme_form_data, widget_form_data
from widget.models import Theme, Widget

pytestmark = pytest.mark.django_db


def test_a_theme_under_4_5_to_1_is_saved_with_a_warning_naming_the_pair(admin_client):
    response = admin_client.post("/admin/widget/theme/add/", theme_form_data(accent="#3b82f6"), follow=True)
    warnings = [str(message) for message in response.context["messages"] if message.level_tag == "warning"]
    assert len(warnings) == 1 and "Accent on background (#3b82f6 on #ffffff) is 3.7:1" in warnings[0]
    assert Theme.objects.filter(name="Partner").exists()


def test_a_theme_under_3_to_1_is_refused_on_every_save_path(admin_client):
    response = admin_client.post("/admin/widget/theme/add/", theme_form_data(text="#b3b3b3"))
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "Text on background (#b3b3b3 on #ffffff) is 2.1:1 in the light palette" in errors
    assert "change text, background" in errors
    assert not Theme.objects.filter(name="Partner").exists()
    with pytest.raises(Exception, match="Text on background"):
        Theme.objects.create(name="Shell", text="#b3b3b3")  # not only the admin


def test_a_dark_palette_is_checked_too_and_a_dark_theme_only_in_its_own_colours():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="in the dark palette"):
        Theme(name="D", dark_background="#000000", dark_text="#333333").full_clean()
    dark_theme = Theme(
        name="E", scheme="dark", background="#0b1120", surface="#172033", text="#f1f5f9", accent="#93c5fd"
    )
    dark_theme.full_clean()
    assert {check.mode for check in dark_theme.contrast_checks()} == {"dark"}


def test_the_contrast_endpoint_gives_every_pair_in_both_palettes(admin_client):
    query = theme_form_data(text="#b3b3b3") | {"dark_text": ""}
    data = admin_client.get("/admin/widget/theme/contrast/", query).json()
    verdicts = {(check["mode"], check["label"]): check["verdict"] for check in data["checks"]}
    assert len(verdicts) == 12 and verdicts[("light", "Text on background")] == "refused"
    assert verdicts[("dark", "Text on background")] == "ok"
    assert admin_client.get("/admin/widget/theme/contrast/", {"text": "red"}).json()["checks"] == []


def test_game_types_are_kept_in_the_order_ticked_and_must_be_offered(admin_client, theme, offered_names):
    refused = admin_client.post("/admin/widget/widget/add/", widget_form_data(theme.pk, game_types=["5", "99", "1"]))
    errors = refused.context["adminform"].form.errors["game_types"][0]
    assert "does not offer game type 99" in errors
    assert "1 (Lucky Dice), 2 (Wheel of Fortune), 3 (Poker), 5 (Baccarat)" in errors
    assert (
        admin_client.post(
            "/admin/widget/widget/add/", widget_form_data(theme.pk, game_types=["5", "3", "1"])
        ).status_code
        == 302
    )
    assert Widget.objects.get(name="W").game_type_list() == [5, 3, 1]
    page = admin_client.get("/admin/widget/widget/add/").content.decode()
    assert page.index("Lucky Dice") < page.index("Poker") and 'value="99"' not in page


def test_without_the_feeds_offer_the_admin_says_why_nothing_can_be_ticked(admin_client, theme):
    response = admin_client.post("/admin/widget/widget/add/", widget_form_data(theme.pk, game_types=["3"]))
    assert (
        "has not reported which game types it offers yet" in response.context["adminform"].form.errors["game_types"][0]
    )


@pytest.mark.parametrize("origin", ["https://[a:b]", "https://[::1", "https://[v1.x]", "https://[::1]x"])
def test_a_malformed_ipv6_origin_is_a_form_error_and_nothing_is_saved(admin_client, theme, offered_names, origin):
    response = admin_client.post("/admin/widget/widget/add/", widget_form_data(theme.pk, allowed_origins=origin))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["allowed_origins"][0]
    assert f"{origin!r} is not an origin" in errors
    assert not Widget.objects.filter(name="W").exists()


def test_an_ipv6_origin_is_saved_as_browsers_send_it(admin_client, theme, offered_names):
    data = widget_form_data(theme.pk, allowed_origins="https://[0:0::1]:8443\nhttps://[2001:DB8::1]")
    assert admin_client.post("/admin/widget/widget/add/", data).status_code == 302
    assert Widget.objects.get(name="W").allowed_origins == "https://[0:0::1]:8443\nhttps://[2001:DB8::1]"
    assert Widget.objects.get(name="W").origin_list() == ["https://[::1]:8443", "https://[2001:db8::1]"]
