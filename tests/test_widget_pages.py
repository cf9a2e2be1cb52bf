import gzip
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders

from tests.admin_forms import theme_form_data
from widget.models import Theme, Widget

pytestmark = pytest.mark.django_db


def test_the_widget_page_renders_a_first_paint_with_a_per_widget_csp(client, widget):
    response = client.get(f"/w/{widget.public_id}/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "frame-ancestors 'self' https://partner.example http://localhost:8123" in csp
    assert "X-Frame-Options" not in response
    assert response["X-Content-Type-Options"] == "nosniff"
    body = response.content.decode()
    assert 'class="bw-game" data-t="3"' in body and 'data-t="1"' in body
    assert "<script>" not in body and "style=" not in body  # no inline code for the CSP to allow


def test_unknown_and_disabled_widgets_are_404(client, widget):
    assert client.get("/w/does-not-exist/").status_code == 404
    widget.enabled = False
    widget.save()
    assert client.get(f"/w/{widget.public_id}/").status_code == 404


def test_the_public_id_is_not_the_database_id(widget):
    assert widget.public_id != str(widget.pk)
    assert len(widget.public_id) >= 16


@pytest.mark.parametrize("path", ["/", "/admin/login/", "/livez", "/demo/partner/"])
def test_every_other_page_refuses_to_be_framed(client, widget, path):
    response = client.get(path)
    assert response["X-Frame-Options"] == "DENY"


def test_language_and_scheme_overrides_are_validated(client, widget):
    page = client.get(f"/w/{widget.public_id}/?lang=ru&scheme=dark").content.decode()
    assert '<html lang="ru" dir="ltr">' in page and 'data-scheme="dark"' in page
    hostile = client.get(f"/w/{widget.public_id}/?lang=<script>&scheme=javascript:").content.decode()
    assert '<html lang="en" dir="ltr">' in hostile and 'data-scheme="light"' in hostile


def test_theme_css_carries_only_validated_values(client, widget):
    css = client.get(f"/w/{widget.public_id}/theme.css")
    assert css["Content-Type"].startswith("text/css")
    assert "--widget-accent:#1d4ed8" in css.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("accent", "red", "#rrggbb"),
        ("background", "#12345", "#rrggbb"),
        ("text", "#123456;}body{", "#rrggbb"),
        ("corner_radius", 99, "less than or equal to 24"),
        ("font_family", "Comic Sans", "not a valid choice"),
    ],
)
def test_invalid_theme_values_are_refused_on_save(field, value, message):
    theme = Theme(name="Bad", **{field: value})
    with pytest.raises(Exception, match=message):
        theme.save()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("allowed_origins", "http://partner.example", "not an origin"),
        ("allowed_origins", "https://partner.example/path", "not an origin"),
        ("allowed_origins", "https://*.example", "not an origin"),
        ("game_types", "3, x", "not a game type id"),
        ("game_types", "", "This field cannot be blank"),
        ("currency", "euro", "three-letter"),
    ],
)
def test_invalid_widget_values_are_refused_on_save(theme, field, value, message):
    values = {"name": "W", "game_types": "3", "theme": theme, field: value}
    with pytest.raises(Exception, match=message):
        Widget(**values).save()


def admin_client(client):
    user = User.objects.create_superuser("admin", "admin@example.com", "pw-for-tests-only")
    client.force_login(user)
    return client


def test_the_admin_form_shows_a_clear_message_for_a_bad_colour(client, theme):
    client = admin_client(client)
    form = theme_form_data(name="Neon", accent="neon")
    response = client.post("/admin/widget/theme/add/", form)
    assert response.status_code == 200
    assert "Enter a colour as #rrggbb" in response.content.decode()
    assert not Theme.objects.filter(name="Neon").exists()
    form["accent"] = "#ff00aa"
    response = client.post("/admin/widget/theme/add/", form)
    assert response.status_code == 302
    assert Theme.objects.get(name="Neon").accent == "#ff00aa"


def test_a_valid_theme_change_shows_in_the_widget(client, widget):
    client = admin_client(client)
    theme = widget.theme
    form = {
        "name": theme.name,
        "scheme": "dark",
        "background": "#101010",
        "surface": "#202020",
        "text": "#fafafa",
        "accent": "#ff8800",
        "positive": "#00aa00",
        "negative": "#aa0000",
        "font_family": "serif",
        "corner_radius": 4,
    }
    assert client.post(f"/admin/widget/theme/{theme.pk}/change/", form).status_code == 302
    css = client.get(f"/w/{widget.public_id}/theme.css").content.decode()
    assert "--widget-accent:#ff8800" in css and "--widget-radius:4px" in css and "Georgia" in css


def test_the_widget_admin_page_has_the_embed_builder(client, widget):
    # The snippets themselves are built by admin-embed.js (tested in Chromium).
    client = admin_client(client)
    page = client.get(f"/admin/widget/widget/{widget.pk}/change/").content.decode()
    assert f'class="module aligned bw-embed" data-widget="{widget.public_id}"' in page
    assert "widget/admin-embed.js" in page and 'id="bw-embed-iframe"' in page


def test_a_theme_may_carry_its_own_dark_palette_and_blank_means_derived(client, widget):
    from django.core.exceptions import ValidationError

    theme = widget.theme
    css = client.get(f"/w/{widget.public_id}/theme.css").content.decode()
    assert "--widget-dark-" not in css  # nothing set: the stylesheet derives dark colours from the brand
    theme.dark_background, theme.dark_accent = "#000814", "#7dd3fc"
    theme.save()
    css = client.get(f"/w/{widget.public_id}/theme.css").content.decode()
    assert "--widget-dark-bg:#000814" in css and "--widget-dark-accent:#7dd3fc" in css
    theme.dark_text = "white"
    with pytest.raises(ValidationError):
        theme.save()


def test_theme_css_writes_only_valid_values_even_for_rows_saved_around_validation(client, widget):
    from widget.models import Theme

    Theme.objects.filter(pk=widget.theme_id).update(
        background="#fff;}body{background:url(//evil.test)}", text="#000000\n", accent="#12ab9f", corner_radius=999
    )
    css = client.get(f"/w/{widget.public_id}/theme.css").content.decode()
    assert "evil" not in css and "}body" not in css and "#000000\n" not in css
    assert "--widget-accent:#12ab9f" in css
    assert "--widget-radius" not in css  # out of range: the stylesheet's default applies
    assert css.count("{") == css.count("}") == 1


@pytest.mark.parametrize(
    "value",
    ["https://:x;report-uri@a.com", "https://user@partner.example", "https://partner.example:", "https://a.example:0"],
)
def test_origins_with_userinfo_empty_or_zero_ports_are_refused(value):
    from django.core.exceptions import ValidationError

    from widget.validators import parse_origins

    with pytest.raises(ValidationError):
        parse_origins(value)


def test_origins_are_rewritten_from_their_parts():
    from widget.validators import parse_origins

    assert parse_origins("HTTPS://Partner.Example:443\nhttps://partner.example:8443\nhttp://[::1]:8000") == [
        "https://partner.example",
        "https://partner.example:8443",
        "http://[::1]:8000",
    ]


@pytest.mark.parametrize("public_id", ["%00", "x" * 300, "%E2%80%AEabc", "abc%0D%0ASet-Cookie:x"])
def test_ids_not_in_the_public_id_format_are_refused_without_touching_the_database(
    client, widget, public_id, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert client.get(f"/w/{public_id}/").status_code == 404
        assert client.get(f"/w/{public_id}/theme.css").status_code == 404


def test_non_ascii_digits_are_not_game_type_ids():
    from django.core.exceptions import ValidationError

    from widget.validators import parse_game_types

    for value in ("²", "3, ٣", "１"):
        with pytest.raises(ValidationError):
            parse_game_types(value)


def test_the_widget_page_is_served_compressed_to_browsers_that_accept_it(client, widget):
    plain = client.get(f"/w/{widget.public_id}/")
    assert "Content-Encoding" not in plain
    zipped = client.get(f"/w/{widget.public_id}/", headers={"accept-encoding": "gzip, deflate, br"})
    assert zipped["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped["Vary"]
    assert len(zipped.content) < len(plain.content) / 2
    assert gzip.decompress(zipped.content).startswith(b"<!doctype html>")
    assert zipped["Content-Security-Policy"] == plain["Content-Security-Policy"]


def test_the_compressed_widget_page_carries_no_secret_for_breach_to_guess(client, widget):
    response = client.get(f"/w/{widget.public_id}/", headers={"accept-encoding": "gzip"})
    body = gzip.decompress(response.content).decode()
    assert "csrfmiddlewaretoken" not in body and not response.cookies
    assert "Set-Cookie" not in response


@pytest.mark.parametrize(("language", "direction"), [("en", "ltr"), ("ru", "ltr"), ("ar", "rtl"), ("fa", "rtl")])
def test_the_page_direction_follows_the_language(client, widget, language, direction):
    if language not in dict(settings.LANGUAGES):
        pytest.skip(f"{language} is not in settings.LANGUAGES yet")
    for path in (f"/w/{widget.public_id}/?lang={language}", f"/w/no-such-widget/?lang={language}"):
        assert f'<html lang="{language}" dir="{direction}">' in client.get(path).content.decode()


def test_round_ids_and_amounts_are_isolated_left_to_right_in_the_first_paint(client, widget):
    page = client.get(f"/w/{widget.public_id}/").content.decode()
    amounts = re.findall(r'<span class="bw-jackpot-amount"[^>]*>', page)
    assert amounts and all('dir="ltr"' in amount for amount in amounts)


def test_every_page_links_a_favicon_that_exists(client, widget, settings):
    settings.DEMO_PAGES = True
    paths = [f"/w/{widget.public_id}/", "/w/no-such-widget/", "/demo/partner/", "/demo/partner/?layout=crowded", "/"]
    for path in paths:
        body = client.get(path).content.decode()
        assert '<link rel="icon" href="/static/favicon/favicon.png">' in body, path
    assert finders.find("favicon/favicon.png")


def test_the_crowded_demo_page_embeds_two_widgets_several_times(client, widget, theme, settings):
    settings.DEMO_PAGES = True
    second = Widget.objects.create(name="Z second", game_types="1", theme=theme)
    page = client.get("/demo/partner/?layout=crowded").content.decode()
    assert page.count(f'data-widget="{widget.public_id}"') == 1
    assert page.count(f'data-widget="{second.public_id}"') == 4  # three embeds, one slot filled by script
    assert page.count('data-lang="ru"') == 1 and 'id="demo-footer"' in page
    settings.DEMO_PAGES = False
    assert client.get("/demo/partner/?layout=crowded").status_code == 404


def test_no_template_comment_spans_lines_and_shows_as_text():
    """Django's {# #} is one line only: a multi-line one is printed on the page."""
    from tests.processes import ROOT

    for template in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]:
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if "{#" in line:
                assert "#}" in line[line.index("{#") :], f"{template}:{number} opens {{# without closing it"
