"""The widget in real Chromium (Debian's), embedded from another origin, live from the sandbox."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.frames import messages_in
from tests.processes import free_port, wait_until_answers
from tests.served_app import ARTIFACTS, axe_violations, pumped
from tests.waiting import last_reading, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent


def widget_frame(page):
    page.wait_for_selector("iframe")
    return page.frame_locator("iframe")


@pytest.mark.parametrize(("width", "height"), [(360, 740), (1280, 800)])
def test_embedded_widget_is_live_counts_down_and_sizes_its_iframe(app, browser, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    # The partner page is on another origin (localhost) than the widget (127.0.0.1).
    page.goto(f"http://localhost:{app['port']}/demo/partner/?widget_origin={app['base']}")
    frame = widget_frame(page)
    started = time.monotonic()
    frame.locator('.bw-status[data-state="live"]').wait_for(timeout=4000)
    frame.locator(".bw-round").first.wait_for(timeout=2000)
    assert re.search(r"\d", frame.locator(".bw-round").first.text_content())
    assert time.monotonic() - started < 2.5, "live data should show within 2 s"
    countdown = frame.locator(".bw-countdown:not([hidden])").first
    countdown.wait_for(timeout=40000)
    first = countdown.text_content()
    # It ticks once a second: a new text within 1.6 s, or the countdown is stuck.
    expect(countdown).not_to_have_text(first, timeout=1600)

    # The iframe follows its content (no inner scrollbar, no empty space) within a ResizeObserver round trip.
    def heights() -> tuple[float, float]:
        iframe = page.evaluate("document.querySelector('iframe').getBoundingClientRect().height")
        return iframe, frame.locator("html").evaluate("el => el.scrollHeight")

    iframe_height, content_height = last_reading(heights, lambda both: abs(both[0] - both[1]) <= 2, 2)
    assert abs(iframe_height - content_height) <= 2, (iframe_height, content_height)
    no_horizontal_scroll = frame.locator("html").evaluate("el => el.scrollWidth <= el.clientWidth")
    assert no_horizontal_scroll
    assert json.loads(page.evaluate("document.body.dataset.lastConnection")) == {"state": "live"}
    page.screenshot(path=str(ARTIFACTS / f"embedded-{width}x{height}.png"), full_page=True)
    context.close()


def test_touch_targets_are_at_least_44px(app, browser):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(app["base"] + app["widget"])
    box = page.locator(".bw-pause").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth <= 320")
    context.close()


def test_hostile_feed_strings_show_as_text_and_run_nothing(app, browser):
    requests.post(app["sandbox"] + "/_sandbox/control", json={"action": "hostile", "on": True}, timeout=5)
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(app["base"] + app["widget"])

        # (wait_for_function would need 'unsafe-eval': the CSP refuses it; locators need nothing of the page)
        def hostile_names() -> list[str]:
            texts = page.locator(".bw-game-name").all_text_contents()
            return texts if any("<" in text for text in texts) else []

        names = wait_until(hostile_names, 15, "hostile names on the cards")
        assert any("<img src=x" in name or "<script>" in name or "<svg" in name for name in names)
        assert page.evaluate("window.__xss") is None
        assert page.locator(".bw-game-name img, .bw-game-name script, .bw-game-name svg").count() == 0
        page.reload()  # the server-rendered first paint escapes them too
        assert page.locator(".bw-game-name img, .bw-game-name script, .bw-game-name svg").count() == 0
        # Live again after the reload: its scripts ran and the feed's strings were drawn once more.
        page.locator('.bw-status[data-state="live"]').wait_for(timeout=5000)
        assert page.evaluate("window.__xss") is None
        assert dialogs == []
        page.screenshot(path=str(ARTIFACTS / "hostile-strings.png"), full_page=True)
    finally:
        requests.post(app["sandbox"] + "/_sandbox/control", json={"action": "hostile", "on": False}, timeout=5)
        context.close()


def framed_by_foreign_page(browser, target: str):
    context = browser.new_context()
    page = context.new_page()
    page.route(
        "http://evil.test/**",
        lambda route: route.fulfill(
            content_type="text/html", body=f'<iframe src="{target}" width=400 height=400></iframe>'
        ),
    )
    page.goto("http://evil.test/")  # its load event waits for the frame's, refused or not
    frame = page.frames[1] if len(page.frames) > 1 else None
    if frame is not None:
        frame.wait_for_load_state("load")
    loaded = (
        frame is not None
        and frame.url.startswith("http://127.0.0.1")
        and frame.evaluate("document.body && document.body.innerText.length") > 0
    )
    context.close()
    return loaded


def test_the_admin_refuses_to_be_framed(app, browser):
    assert not framed_by_foreign_page(browser, app["base"] + "/admin/login/")


def test_an_origin_not_allowed_cannot_frame_the_widget(app, browser):
    assert not framed_by_foreign_page(browser, app["base"] + app["widget"])


def live_phone_page(app, browser, device_scheme: str, query: str):
    """The widget page on a phone-sized page in a light or dark device, live; CSP bypassed for axe.

    Without motion: axe would otherwise measure a result that is still fading in (a transient
    its contrast check reads as a violation) whenever one arrives during the check."""
    context = browser.new_context(
        color_scheme=device_scheme, bypass_csp=True, viewport={"width": 360, "height": 740}, reduced_motion="reduce"
    )
    page = context.new_page()
    page.goto(app["base"] + app["widget"] + query)
    page.locator('.bw-status[data-state="live"]').wait_for(timeout=5000)
    return context, page


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_accessibility_violations(app, browser, scheme):
    context, page = live_phone_page(app, browser, scheme, "?scheme=auto")
    violations = axe_violations(page)
    page.screenshot(path=str(ARTIFACTS / f"widget-{scheme}.png"), full_page=True)
    context.close()
    assert violations == []


def live_page_on_a_clock(app, browser):
    """The widget page at 360 by 740, live, on a clock the test can move (time flows as usual until then)."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.clock.install()
    page.goto(app["base"] + app["widget"])
    page.locator('.bw-status[data-state="live"]').wait_for(timeout=5000)
    return context, page


def test_the_pause_control_stops_the_ticker_and_resume_brings_it_back(app, browser):
    context, page = live_page_on_a_clock(app, browser)
    countdown = page.locator(".bw-countdown:not([hidden])").first
    countdown.wait_for(timeout=40000)
    button = page.locator(".bw-pause")
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    assert page.locator(".bw-status").get_attribute("data-state") == "updatesPaused"
    frozen = countdown.text_content()
    page.clock.fast_forward(2000)  # two of the ticker's seconds pass for the page, at once
    assert countdown.text_content() == frozen, "a paused ticker does not move (WCAG 2.2.2)"
    button.click()
    page.locator('.bw-status[data-state="live"]').wait_for(timeout=3000)
    assert button.get_attribute("aria-pressed") == "false"
    context.close()


SET_VISIBILITY = """(state) => {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
  document.dispatchEvent(new Event("visibilitychange"));
}"""


# The page's sockets, for the test to send on the widget's own connection.
RECORD_SOCKETS = """(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      window.__sockets.push(this);
    }
  };
})();
"""


def test_a_hidden_page_gets_no_updates_and_a_fresh_snapshot_when_shown(app, browser):
    from websockets.sync.client import connect

    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.add_init_script(RECORD_SOCKETS)
    frames: list[str] = []
    sent: list[str] = []

    def watch(socket) -> None:
        socket.on("framereceived", lambda payload: frames.append(str(payload)))
        socket.on("framesent", lambda payload: sent.append(str(payload)))

    page.on("websocket", watch)
    page.goto(app["base"] + app["widget"])
    page.locator('.bw-status[data-state="live"]').wait_for(timeout=5000)
    before = len(frames)
    # A visible widget receives updates (jackpots are polled every second).
    wait_until(pumped(page, lambda: len(frames) > before), 3, "an update on a visible page")
    page.evaluate(SET_VISIBILITY, "hidden")  # the tab went to the background
    # A hidden page tells the server to pause.
    wait_until(pumped(page, lambda: any('"pause"' in frame for frame in sent)), 3, "a pause sent")
    # The server reads a socket's messages in order: the snapshot answering a resync sent after
    # the pause comes once the pause took effect (what was sent before it may still arrive).
    marked_from = len(frames)
    page.evaluate("window.__sockets.at(-1).send(JSON.stringify({type: 'resync'}))")
    wait_until(
        pumped(page, lambda: any('"type":"snapshot"' in frame for frame in frames[marked_from:])),
        5,
        "the snapshot answering a resync after the pause",
    )
    hidden_from = next(i for i in range(marked_from, len(frames)) if '"type":"snapshot"' in frames[i]) + 1
    # A visible viewer of the same widget, joined after that, sees two updates go out...
    url = app["base"].replace("http", "ws") + "/ws" + app["widget"]
    with connect(url, origin=app["base"], open_timeout=5) as witness:
        assert json.loads(witness.recv(timeout=5))["type"] == "snapshot"
        # Two frames; each holds one message or an array of those that went out together.
        updates = [[m["type"] for m in messages_in(witness.recv(timeout=5))] for _ in range(2)]
    page.title()  # (the sync API hands over the page's socket events during a call)
    # ... and the hidden page none of them.
    assert frames[hidden_from:] == [], f"no updates for a page nobody sees (a viewer got {updates})"
    page.evaluate(SET_VISIBILITY, "visible")
    wait_until(  # shown again: one fresh snapshot
        pumped(page, lambda: any('"type":"snapshot"' in frame for frame in frames[hidden_from:])),
        5,
        "a fresh snapshot when shown again",
    )
    page.locator('.bw-status[data-state="live"]').wait_for(timeout=3000)
    context.close()


def test_the_theme_admin_previews_changes_while_editing(app, browser):
    import subprocess as sp

    env = {"DJANGO_SUPERUSER_PASSWORD": "preview-test-pw-1", "DEBUG": "1", "DATABASE_URL": app["database_url"]}
    created = sp.run(
        [
            sys.executable,
            "manage.py",
            "createsuperuser",
            "--noinput",
            "--username",
            "previewer",
            "--email",
            "p@example.com",
        ],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(app["base"] + "/admin/login/")
    page.fill("#id_username", "previewer")
    page.fill("#id_password", "preview-test-pw-1")
    page.click("input[type=submit]")
    page.goto(app["base"] + "/admin/widget/theme/1/change/")
    preview = page.frame_locator(".bw-preview")
    preview.locator(".bw-root").wait_for(timeout=5000)
    page.locator("#id_accent").evaluate(
        "el => { el.value = '#ff0088'; el.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    accent = preview.locator(".bw-root").evaluate("el => el.style.getPropertyValue('--widget-accent')")
    assert accent == "#ff0088"
    page.screenshot(path=str(ARTIFACTS / "admin-theme-preview.png"), full_page=True)
    context.close()


def test_no_credential_or_jwt_reaches_the_browser_or_the_logs(app, browser):
    context = browser.new_context()
    page = context.new_page()
    bodies: list[str] = []
    page.on("response", lambda response: bodies.append(response.text() if response.ok else ""))
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: frames.append(str(frame))))
    page.goto(f"http://localhost:{app['port']}/demo/partner/?widget_origin={app['base']}")
    widget_frame(page).locator('.bw-status[data-state="live"]').wait_for(timeout=5000)
    page.goto(app["base"] + app["widget"])
    page.locator('.bw-status[data-state="live"]').wait_for(timeout=5000)
    live_from = len(frames)
    wait_until(pumped(page, lambda: len(frames) >= live_from + 2), 5, "two updates on the widget page's socket")
    for path in ("/readyz", "/metrics", "/livez", "/w/nope/"):
        bodies.append(requests.get(app["base"] + path, timeout=5).text)
    context.close()
    everything = "\n".join(bodies + frames + [app["log"].read_text()])
    assert "sandbox-secret" not in everything
    assert "eyJ" not in everything  # every JWT starts with base64 of '{"'
    assert "access_token" not in everything


def test_embed_js_ignores_messages_from_other_origins(app, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"http://localhost:{app['port']}/demo/partner/?widget_origin={app['base']}")
    frame = widget_frame(page)
    frame.locator('.bw-status[data-state="live"]').wait_for(timeout=5000)
    before, _ = frame_fits_content(page, frame)  # settled: a genuine resize would not move it now
    # The partner page itself (another origin than the widget) forges a resize. Messages are
    # dispatched in order, so once a marker posted after it arrives, embed.js has seen the forgery.
    page.evaluate(
        """() => new Promise((resolve) => {
            addEventListener("message", (event) => { if (event.data === "marker") resolve(); });
            postMessage({source: "betcore-widget", event: "resize", detail: {height: 17}}, "*");
            postMessage("marker", "*");
        })"""
    )
    assert page.evaluate("document.querySelector('iframe').getBoundingClientRect().height") == before
    context.close()


def test_betting_closes_at_the_deadline_and_a_paused_feed_dims_cards_and_stops_countdowns(app, browser):
    context, page = live_page_on_a_clock(app, browser)
    betting = page.locator('.bw-game:has(.bw-state[data-state="betting"]):has(.bw-countdown:not([hidden]))').first
    betting.wait_for(timeout=40000)
    game_type = betting.get_attribute("data-t")
    game = page.locator(f'.bw-game[data-t="{game_type}"]')
    assert game.locator(".bw-state").text_content() == "Betting open"
    minutes, seconds = map(int, re.search(r"(\d+):(\d\d)", game.locator(".bw-countdown-text").text_content()).groups())
    # Past the deadline by the page's clock, before the feed says anything: betting is closed.
    page.clock.fast_forward((minutes * 60 + seconds + 1) * 1000)
    assert game.locator(".bw-state").get_attribute("data-state") != "betting"
    assert "Betting open" not in game.text_content()
    assert game.locator(".bw-countdown").is_hidden()
    page.close()

    page = context.new_page()
    page.goto(app["base"] + app["widget"])
    page.locator('.bw-status[data-state="live"]').wait_for(timeout=5000)
    page.locator(".bw-countdown:not([hidden])").first.wait_for(timeout=40000)
    requests.post(app["sandbox"] + "/_sandbox/control", json={"action": "pause", "seconds": 6}, timeout=5)
    try:
        page.locator('.bw-status[data-state="paused"]').wait_for(timeout=5000)
        assert page.locator(".bw-root").get_attribute("data-feed") == "paused"
        banner = page.locator(".bw-banner")
        assert banner.is_visible() and "paused" in banner.text_content()
        assert page.locator(".bw-status-icon").text_content() == "❚❚"
        assert page.locator(".bw-game").first.evaluate("el => getComputedStyle(el).filter") == "grayscale(1)"
        for countdown in page.locator(".bw-countdown:not([hidden]) .bw-countdown-text").all():
            assert countdown.text_content() == "—", "no ticking number while the feed is paused"
        page.screenshot(path=str(ARTIFACTS / "state-paused-360.png"), full_page=True)
        page.locator('.bw-status[data-state="live"]').wait_for(timeout=10000)
        assert banner.is_hidden()
    finally:
        requests.post(app["sandbox"] + "/_sandbox/control", json={"action": "resume"}, timeout=5)
        context.close()


# Every height the partner page gives the frame, in order (embed.js sets it on the style).
RECORD_FRAME_HEIGHTS = """
window.frameHeights = [];
new MutationObserver(() => {
  const frame = document.querySelector(".betcore-widget iframe");
  const height = frame && frame.style.height;
  if (height && height !== window.frameHeights[window.frameHeights.length - 1]) window.frameHeights.push(height);
}).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["style"] });
"""


def frame_fits_content(page, frame) -> tuple[float, int]:
    """The iframe's height and its content's, once they match (a ResizeObserver round trip: a frame and a message)."""
    iframe_height = "document.querySelector('iframe').getBoundingClientRect().height"
    content_height = "() => Math.ceil(document.querySelector('.bw-root').getBoundingClientRect().height)"
    return last_reading(
        lambda: (page.evaluate(iframe_height), frame.locator("html").evaluate(content_height)),
        lambda both: abs(both[0] - both[1]) <= 2,
        3,
    )


def test_the_iframe_follows_the_content_both_ways_and_a_warm_page_does_not_jump(app, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.add_init_script(RECORD_FRAME_HEIGHTS)
    partner = f"http://localhost:{app['port']}/demo/partner/?widget_origin={app['base']}"
    page.goto(partner)
    frame = widget_frame(page)
    frame.locator('.bw-status[data-state="live"]').wait_for(timeout=5000)

    def settled() -> tuple[float, int]:
        return frame_fits_content(page, frame)

    outer, inner = settled()
    assert abs(outer - inner) <= 2
    # A narrower phone stacks the jackpots in one column: the content gets taller, then shorter again.
    page.set_viewport_size({"width": 280, "height": 740})
    narrow, inner = settled()
    assert narrow > outer and abs(narrow - inner) <= 2, "the frame follows the taller layout"
    page.set_viewport_size({"width": 360, "height": 740})
    wide, inner = settled()
    assert wide < narrow and abs(wide - inner) <= 2, "and shrinks with the shorter one"

    # A second visit starts from the height this browser saw last, so when the widget paints
    # and reports its height, the frame changes by little or nothing.
    page.goto(partner)
    page.wait_for_selector("body[data-last-ready]", timeout=10000)
    first, *later = page.evaluate("window.frameHeights")
    ready = json.loads(page.locator("body").get_attribute("data-last-ready"))["height"]
    assert abs(ready - float(first.removesuffix("px"))) <= 50, (first, later, ready)
    context.close()


def test_an_unknown_widget_shows_a_short_message_and_tells_the_host_page(app, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"http://localhost:{app['port']}/demo/partner/?widget_origin={app['base']}&widget=no-such-widget&lang=es")
    page.wait_for_selector("body[data-last-error]", timeout=10000)
    assert json.loads(page.locator("body").get_attribute("data-last-error"))["reason"] == "unknown-widget"
    message = page.frame_locator("iframe").locator(".bw-banner")
    assert message.text_content() == "Este widget no existe o está desactivado."
    assert page.evaluate("document.querySelector('iframe').getBoundingClientRect().height") < 120
    page.screenshot(path=str(ARTIFACTS / "unknown-widget-360.png"))
    context.close()


@pytest.mark.parametrize("language", ["en", "ru", "es", "pt", "tr"])
def test_amounts_are_formatted_once_in_the_viewers_language_with_cents(app, browser, language):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale=language)
    page = context.new_page()
    page.goto(f"{app['base']}{app['widget']}?lang={language}")
    amount = page.locator('.bw-jackpot:not([hidden]) .bw-jackpot-amount:not(:text-is("—"))').first
    amount.wait_for(timeout=10000)
    text = amount.text_content()
    # The widget's number is exactly what the viewer's locale writes for it, cents included.
    expected = page.evaluate(
        """([lang, text]) => {
            const digits = text.replace(/[^0-9]/g, "");
            const value = Number(digits) / 100;
            return new Intl.NumberFormat(lang, {style: "currency", currency: "EUR", minimumFractionDigits: 2})
                .format(value);
        }""",
        [language, text],
    )
    assert text == expected
    decimal = "." if language == "en" else ","
    assert re.search(rf"\d{re.escape(decimal)}\d\d", text), f"cents shown: {text}"
    assert page.locator("html").get_attribute("lang") == language
    context.close()


def luminance(css_colour: str) -> float:
    """Rough relative brightness of ``rgb(r, g, b)`` (0-255) or ``color(srgb r g b)`` (0-1)."""
    values = [float(v) for v in re.findall(r"[\d.]+", css_colour.replace("srgb", ""))[:3]]
    scale = 1.0 if css_colour.startswith("color(") else 255.0
    red, green, blue = (v / scale for v in values)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


@pytest.mark.parametrize("device", ["light", "dark"])
def test_data_scheme_dark_renders_dark_with_every_theme_and_passes_axe(app, browser, device):
    context, page = live_phone_page(app, browser, device, "?scheme=dark")
    root = page.locator(".bw-root")
    assert luminance(root.evaluate("el => getComputedStyle(el).backgroundColor")) < 0.2
    assert luminance(root.evaluate("el => getComputedStyle(el).color")) > 0.8
    assert axe_violations(page) == []
    page.screenshot(path=str(ARTIFACTS / f"widget-scheme-dark-on-{device}-device.png"), full_page=True)
    # Light stays light on a dark device.
    page.goto(app["base"] + app["widget"] + "?scheme=light")
    assert luminance(page.locator(".bw-root").evaluate("el => getComputedStyle(el).backgroundColor")) > 0.8
    context.close()


ENGLISH_RESULT_WORDS = (
    "Total",
    "Red",
    "Black",
    "Green",
    "Player",
    "Banker",
    "Tie",
    "Hand",
    "Pair",
    "Flush",
    "Straight",
    "Full house",
    "ago",
    "Cancelled",
)


@pytest.mark.parametrize(("width", "height", "scheme"), [(360, 740, "light"), (1280, 800, "dark")])
@pytest.mark.parametrize("language", ["en", "ru", "es", "pt", "tr"])
def test_each_game_draws_its_result_in_the_viewers_language(app, browser, language, width, height, scheme):
    context = browser.new_context(viewport={"width": width, "height": height}, locale=language, color_scheme=scheme)
    page = context.new_page()
    page.goto(f"{app['base']}{app['widget']}?lang={language}")
    page.locator('.bw-status[data-state="live"]').wait_for(timeout=5000)
    for kind in ("dice", "wheel", "baccarat", "poker", "keno"):
        page.locator(f'.bw-result[data-kind="{kind}"]').first.wait_for(timeout=15000)
    dice = page.locator('.bw-result[data-kind="dice"]').first
    assert dice.locator(".bw-die").count() == 2 and dice.locator(".bw-total").count() == 1
    wheel = page.locator('.bw-result[data-kind="wheel"] .bw-chip').first
    assert wheel.get_attribute("data-color") in ("red", "black", "green") and wheel.text_content().isdigit()
    assert page.locator('.bw-result[data-kind="baccarat"] .bw-winner').first.get_attribute("data-side")
    assert page.locator('.bw-result[data-kind="poker"] .bw-hand').first.text_content()
    assert page.locator('.bw-result[data-kind="keno"] .bw-keno span').count() >= 20
    for result in page.locator(".bw-result:not(.bw-empty)").all():
        assert re.search(r"#\d+", result.locator(".bw-result-round").text_content()), "each result shows its round"
        assert result.locator("time").get_attribute("datetime"), "and when"
        assert result.locator(".bw-result-draw").get_attribute("aria-label"), "and says itself to readers"
    if language != "en":
        shown = " ".join(page.locator(".bw-results").all_text_contents())
        left = [word for word in ENGLISH_RESULT_WORDS if re.search(rf"\b{word}\b", shown)]
        assert not left, f"English words left in {language}: {left}"
    page.screenshot(path=str(ARTIFACTS / f"results-{language}-{width}-{scheme}.png"), full_page=True)
    context.close()


def test_four_games_with_three_results_each_fit_one_phone_screen(tmp_path, browser):
    """At 360x740 the widget with four games and three results each is at most one screen tall."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("BETCORE_", "REDIS_URL", "DATABASE_URL"))},
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "SANDBOX_SPEED": "10",  # a few rounds within seconds
        "SANDBOX_STREAMS": "0",  # the data without a picture above it: what must fit one screen
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    make = (
        "from widget.models import Theme, Widget; theme, _ = Theme.objects.get_or_create(name='Default'); "
        "print(Widget.objects.create(name='Four games', game_types='3, 1, 2, 5', theme=theme).public_id)"
    )
    shell = subprocess.run([sys.executable, "manage.py", "shell", "-c", make], cwd=ROOT, env=env, capture_output=True)
    public_id = shell.stdout.decode().split()[-1]
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_answers(base + "/livez", timeout=60)
        context = browser.new_context(viewport={"width": 360, "height": 740})
        page = context.new_page()
        page.goto(f"{base}/w/{public_id}/?lang=ru")
        page.locator('.bw-status[data-state="live"]').wait_for(timeout=5000)

        def shown() -> tuple[list[int], int]:  # results shown per game, and visible "more" toggles
            counts = [page.locator(f'.bw-game[data-t="{t}"] .bw-result:not(.bw-empty)').count() for t in (3, 1, 2, 5)]
            return counts, page.locator(".bw-more:not([hidden])").count()

        # Three shown, more behind the toggle, for every game.
        counts, toggles = last_reading(shown, lambda found: min(found[0]) >= 3 and found[1] == 4, 60)
        assert min(counts) >= 3 and toggles == 4, f"results shown per game {counts}, 'more' toggles {toggles}"
        height = page.locator(".bw-root").evaluate("el => el.getBoundingClientRect().height")
        page.screenshot(path=str(ARTIFACTS / "four-games-three-results-360.png"), full_page=True)
        assert height <= 740, f"{height:.0f} px at 360 px wide"
        context.close()
    finally:
        server.terminate()
        server.wait(10)
        log.close()


def rising(polls: list[str]) -> bool:
    """Whether the last two amounts of game type 1's jackpot the page was sent went up (in the
    widget's currency if it has one, else the currency-less pool: what the widget shows)."""
    amounts: dict[str, list[float]] = {}
    # A frame holds one message or an array of those that reached the server together.
    for message in (m for text in polls for m in messages_in(text) if m["type"] == "jackpots"):
        for row in message["rows"]:
            if row["t"] == 1:
                amounts.setdefault(row["currency"], []).append(row["amount"])
    shown = next((amounts[c] for c in amounts if c), amounts.get("", []))
    return len(shown) >= 2 and shown[-1] > shown[-2]


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
def test_jackpots_count_up_between_polls_unless_motion_is_reduced(app, browser, motion):
    context = browser.new_context(viewport={"width": 360, "height": 740}, reduced_motion=motion)
    page = context.new_page()
    polls: list[str] = []

    def watch(socket) -> None:
        socket.on("framereceived", lambda payload: '"type":"jackpots"' in str(payload) and polls.append(str(payload)))

    page.on("websocket", watch)
    page.clock.install()  # time flows as usual until the test stops and moves it
    page.goto(app["base"] + app["widget"])
    page.locator('.bw-status[data-state="live"]').wait_for(timeout=5000)
    amount = page.locator('.bw-jackpot[data-t="1"] .bw-jackpot-amount')
    # The widget counts up at the rate of the last two polls that carried the shown amount.
    wait_until(pumped(page, lambda: rising(polls)), 15, "two polls of game 1's jackpot, the second higher")

    def between_polls() -> tuple[str | None, str | None] | None:
        """The amount before and after 3 s of the page's time pass at once, with no poll in between."""
        before = len(polls)
        if not rising(polls):
            return None
        page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 0.1)  # (seconds, in the Python API)
        shown = amount.text_content()
        page.clock.run_for(3000)  # the page's ticker runs (every 250 ms); no poll comes with this time
        later = amount.text_content()
        page.clock.resume()
        return (shown, later) if len(polls) == before else None  # a poll came meanwhile: again

    shown, later = wait_until(between_polls, 10, "a reading between two polls")
    if motion == "reduce":
        assert later == shown, "no count-up under reduced motion"
    else:
        assert later != shown, f"amounts count up between polls: {shown} stayed"
    assert page.locator(".bw-arrived").count() == 0 or motion == "no-preference"
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_in_the_paused_state_nor_on_the_unknown_widget_page(app, browser, scheme):
    context, page = live_phone_page(app, browser, scheme, "?scheme=auto")
    requests.post(app["sandbox"] + "/_sandbox/control", json={"action": "pause", "seconds": 5}, timeout=5)
    try:
        page.locator('.bw-status[data-state="paused"]').wait_for(timeout=5000)
        assert axe_violations(page) == []
        page.screenshot(path=str(ARTIFACTS / f"state-paused-{scheme}.png"), full_page=True)
    finally:
        requests.post(app["sandbox"] + "/_sandbox/control", json={"action": "resume"}, timeout=5)
    page.goto(app["base"] + "/w/no-such-widget/")
    assert axe_violations(page) == []
    context.close()
