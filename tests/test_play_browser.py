"""Play in real Chromium on the demo partner page: the tap opens the partner's game page in the
top window with the placeholders filled, or stays when the host page takes it; keyboard and axe."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import expect

from tests.served_app import axe_violations, manage_shell
from tests.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PASSWORD = "play-admin-pw-0123"


def prepare_app(running: dict) -> dict:
    """conftest's `app` with a play link on the demo widget to the partner page itself (its own origin)."""
    partner = f"http://localhost:{running['port']}"
    query = "played={gameType}&in={lang}&round={roundId}"
    template = f"{partner}/demo/partner/?widget_origin={running['base']}&{query}"
    manage_shell(
        running,
        "from play.models import PlaySettings; from widget.models import Widget; "
        "w = Widget.objects.enabled().first(); "
        f"PlaySettings.objects.create(widget=w, url_template={template!r}, age_mark='18+', "
        f"responsible_url={partner + '/demo/partner/?help=1'!r}); "
        "from django.contrib.auth.models import User; "
        f"User.objects.create_superuser('partner', 'p@e.com', {PASSWORD!r}); "
        "print('ok')",
    )
    return running | {"partner": partner}


def partner_page(app, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.clock.install()  # time flows as usual; a test moves it on to fire the pages' timers at once
    page.goto(f"{app['partner']}/demo/partner/?widget_origin={app['base']}")
    frame = page.frame_locator("iframe")
    frame.locator('.bw-status[data-state="live"]').wait_for(timeout=8000)
    frame.locator(".bw-play").first.wait_for(timeout=5000)
    return context, page, frame


def first_game(frame) -> tuple[int, int | None]:
    card = frame.locator(".bw-game").first
    game_type = int(card.get_attribute("data-t"))
    round_text = card.locator(".bw-round").text_content() or ""
    digits = re.sub(r"\D", "", round_text)
    return game_type, int(digits) if digits else None


def test_the_iframe_may_navigate_the_top_window_only_on_a_tap(app, browser):
    context, page, _frame = partner_page(app, browser)
    sandbox = page.locator("iframe").get_attribute("sandbox").split()
    context.close()
    assert sorted(sandbox) == sorted(
        [
            "allow-scripts",
            "allow-same-origin",
            "allow-popups",
            "allow-popups-to-escape-sandbox",
            "allow-top-navigation-by-user-activation",
        ]
    )
    assert "allow-top-navigation" not in sandbox


def test_a_tap_on_play_opens_the_template_url_in_the_top_window_with_the_placeholders_filled(app, browser):
    context, page, frame = partner_page(app, browser)
    link = frame.locator(".bw-play").first
    box = link.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    game_type, _ = first_game(frame)
    with page.expect_navigation(timeout=5000):
        link.click()
    query = parse_qs(urlsplit(page.url).query)
    context.close()
    assert urlsplit(page.url).netloc == urlsplit(app["partner"]).netloc
    assert query["played"] == [str(game_type)] and query["in"] == ["en"]
    assert query["round"][0].isdigit()  # the live round the card showed when tapped


def test_a_host_listener_calling_prevent_default_keeps_the_page_and_gets_the_data(app, browser):
    context, page, frame = partner_page(app, browser)
    page.evaluate(
        """() => document.addEventListener("betcore:select", (event) => {
            window.selected = { ...event.detail, cancelable: event.cancelable };
            event.preventDefault();
        })"""
    )
    before = page.url
    navigations: list[str] = []
    page.on("request", lambda r: r.is_navigation_request() and r.frame == page.main_frame and navigations.append(r.url))
    game_type, _ = first_game(frame)
    frame.locator(".bw-play").first.click()
    wait_until(lambda: page.evaluate("window.selected !== undefined"), 3)
    selected = page.evaluate("window.selected")
    page.clock.fast_forward(5000)  # longer than the widget waits for an answer: its timer fires now
    frame.locator(".bw-play").first.get_attribute("href")  # a round trip through the frame after it
    after = page.url
    context.close()
    assert after == before and navigations == [], navigations
    assert selected["cancelable"] is True and selected["gameType"] == game_type
    assert isinstance(selected["roundId"], int)
    query = parse_qs(urlsplit(selected["url"]).query)
    assert query["played"] == [str(game_type)] and query["round"] == [str(selected["roundId"])]


def test_play_is_reached_by_keyboard_named_for_its_game_and_axe_finds_nothing(app, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True, reduced_motion="reduce")
    page = context.new_page()
    page.goto(app["base"] + app["widget"])
    page.locator('.bw-status[data-state="live"]').wait_for(timeout=8000)
    reached = None
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('bw-play')"):
            reached = page.evaluate("document.activeElement.textContent")
            break
    assert reached is not None, "Tab never reached a Play link"
    name = page.locator(".bw-game").first.locator(".bw-game-name").text_content()
    assert reached.startswith("Play") and name in reached
    assert page.locator(".bw-responsible .bw-age").text_content() == "18+"
    violations = axe_violations(page)
    with page.expect_navigation(timeout=5000):
        page.keyboard.press("Enter")
    played = parse_qs(urlsplit(page.url).query).get("played")
    context.close()
    assert violations == []
    assert played is not None


def test_the_admin_refuses_a_foreign_play_link_previews_a_good_one_and_offers_the_select_example(app, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(app["base"] + "/admin/login/")
    page.fill("#id_username", "partner")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    page.goto(app["base"] + "/admin/widget/widget/")
    page.locator("th.field-name a").first.click()
    page.wait_for_selector("#bw-embed-select")
    # Locator expectations, not wait_for_function: the admin's CSP refuses the eval that polling needs.
    expect(page.locator("#bw-embed-select")).not_to_have_value("")
    example = page.locator("#bw-embed-select").input_value()
    page.fill("#id_play-0-url_template", "https://evil.example/{gameType}")
    page.click("input[name=_continue]")
    error = page.locator(".inline-related .errorlist").first.text_content()
    page.fill("#id_play-0-url_template", f"{app['partner']}/games/{{gameType}}")
    page.locator("#id_play-0-url_template").dispatch_event("change")
    preview = page.frame_locator(".bw-preview")
    # The preview reloads with the new value: wait for its link, not the refused one's.
    good = preview.locator(f'.bw-play:not([hidden])[href^="{app["partner"]}/games/"]').first
    good.wait_for(timeout=10000)
    href = good.get_attribute("href")
    context.close()
    assert "must be on one of this widget" in error and "https://evil.example is not one of them" in error
    assert 'addEventListener("betcore:select"' in example and "preventDefault()" in example
    assert href.startswith(f"{app['partner']}/games/")


def test_with_new_tab_set_play_opens_a_tab_and_the_partner_page_stays(app, browser):
    def new_tab(on: bool) -> None:
        manage_shell(app, f"from play.models import PlaySettings; PlaySettings.objects.update(new_tab={on}); print(1)")

        def served() -> bool:  # the server keeps a widget for 5 s (a save in the admin would tell it at once)
            page = requests.get(app["base"] + app["widget"], timeout=5).text
            return re.search(r'"newTab":\s*(true|false)', page).group(1) == ("true" if on else "false")

        wait_until(served, 10, f"the widget page with new_tab={on}")

    new_tab(True)
    try:
        context, page, frame = partner_page(app, browser)
        before = page.url
        link = frame.locator(".bw-play").first
        spoken = link.text_content()
        with context.expect_page(timeout=5000) as opened:
            link.click()
        tab = opened.value
        tab.wait_for_load_state()
        played = parse_qs(urlsplit(tab.url).query).get("played")
        stayed = page.url
        context.close()
    finally:
        new_tab(False)
    assert stayed == before and played is not None
    assert "opens in a new tab" in spoken
