"""The widget as a good citizen of the partner's page, in Chromium: nothing shifts at load or on
reconnect, a quiet console, no false alarm from a lazy frame, every frame follows its own content,
one-line card heads on 320 px phones, right-to-left languages laid out right-to-left."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess

import pytest
from django.conf import settings

from tests.served_app import ARTIFACTS, manage_shell, pumped
from tests.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PHONE = {"width": 360, "height": 740}


SERVE_ENV = {"SANDBOX_SPEED": "4"}  # conftest's `app`: rounds four times as fast


def prepare_app(running: dict) -> dict:
    """The served app with a second widget (for pages that embed several) allowed on the partner origin."""
    running["partner"] = f"http://localhost:{running['port']}"
    running["second"] = manage_shell(
        running,
        "from widget.models import Theme, Widget; "
        "print(Widget.objects.create(name='Sidebar widget', game_types='1, 2, 5', "
        f"theme=Theme.objects.first(), allowed_origins='{running['partner']}').public_id)",
    )
    return running


def partner_page(app, query: str = "") -> str:
    return f"{app['partner']}/demo/partner/?widget_origin={app['base']}{query}"


# The layout shifts a document has seen so far (those right after an input do not count).
SHIFTS = """() => {
  const observer = new PerformanceObserver(() => {});
  observer.observe({ type: "layout-shift", buffered: true });
  return observer.takeRecords().filter((entry) => !entry.hadRecentInput).map((entry) => entry.value);
}"""

# A game whose card shows fewer than three results: its list still grows as rounds finish.
SHORT_LIST = ".bw-game .bw-results:not(:has(> .bw-result:nth-child(3)))"

# Host-side records (the test page's own listeners, added before any page script):
# the states the widget's status went through, every betcore:* event per embed, and
# every height the partner page gave each frame.
RECORDERS = """
window.seen = { states: [], events: [], heights: {} };
const slot = (node) => (node.closest && node.closest("[id]") ? node.closest("[id]").id : "page");
const noteHeight = (frame) => {
  const list = (window.seen.heights[slot(frame)] ||= []);
  if (frame.style.height && list[list.length - 1] !== frame.style.height) list.push(frame.style.height);
};
new MutationObserver((changes) => {
  for (const change of changes) {
    const node = change.target;
    if (node.classList && node.classList.contains("bw-status")) window.seen.states.push(node.dataset.state);
    if (node.tagName === "IFRAME") noteHeight(node);
    for (const added of change.addedNodes) {
      if (added.querySelectorAll) added.querySelectorAll("iframe").forEach(noteHeight);
    }
  }
}).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-state", "style"] });
for (const name of ["ready", "resize", "connection", "result", "jackpot", "error"]) {
  document.addEventListener("betcore:" + name, (event) => {
    const where = slot(event.target);
    window.seen.events.push([where, name, event.detail]);
    const root = document.documentElement;
    root.dataset[name] = ((root.dataset[name] || "") + " " + where).trim();
    root.dataset[name + "Count"] = String(Number(root.dataset[name + "Count"] || 0) + 1);
  });
}
"""


def settle(context, url: str) -> None:
    """Wait until every game on ``url`` shows three results, so that a page opened next starts
    from the feed's steady state (a list that is still filling grows as rounds finish)."""
    page = context.new_page()
    page.goto(url)
    page.locator('.bw-status[data-state="live"]').wait_for(timeout=10000)
    page.locator(SHORT_LIST).first.wait_for(state="detached", timeout=180000)
    page.close()


def test_the_widget_page_does_not_shift_at_load_nor_on_reconnect(app, browser):
    context = browser.new_context(viewport=PHONE)
    url = app["base"] + app["widget"]
    settle(context, url)
    page = context.new_page()
    page.add_init_script(RECORDERS)
    pages_sockets, from_server = [], []

    def proxy(socket) -> None:
        server = socket.connect_to_server()
        server.on_message(lambda message: (from_server.append(message), socket.send(message)))
        pages_sockets.append(socket)

    page.route_web_socket(re.compile(r"/ws/w/"), proxy)
    page.goto(url)
    page.locator('.bw-status[data-state="live"]').wait_for(timeout=5000)
    wait_for_messages(page, from_server, 3)  # the snapshot and a few updates after it
    assert "reconnecting" not in page.evaluate("window.seen.states"), "the first connection is no reconnection"
    assert page.locator(".bw-banner").is_hidden()
    on_load = sum(page.evaluate(SHIFTS))

    pages_sockets[-1].close()  # the connection drops; the widget reconnects by itself
    page.locator('.bw-status[data-state="reconnecting"]').wait_for(timeout=5000)
    assert page.locator(".bw-banner").is_visible(), "the banner says why, over the cards"
    page.locator('.bw-status[data-state="live"]').wait_for(timeout=10000)
    wait_for_messages(page, from_server, len(from_server) + 3)
    page.screenshot(path=str(ARTIFACTS / "citizen-widget-after-reconnect-360.png"))
    total = sum(page.evaluate(SHIFTS))
    context.close()
    assert len(pages_sockets) == 2
    assert on_load < 0.01, f"layout shift at load: {on_load:.4f}"
    assert total < 0.01, f"layout shift at load and on reconnect: {total:.4f}"


def wait_for_messages(page, received: list, count: int) -> None:
    try:
        wait_until(pumped(page, lambda: len(received) >= count), 10, f"{count} socket messages")
    except TimeoutError as error:  # how many came, counted when the wait gave up
        raise AssertionError(f"{error}; got {len(received)}") from None


def test_the_partner_page_does_not_shift_and_its_frame_height_does_not_bounce(app, browser):
    context = browser.new_context(viewport=PHONE)
    settle(context, app["base"] + app["widget"])
    page = context.new_page()
    page.add_init_script(RECORDERS)
    page.goto(partner_page(app))
    page.frame_locator("iframe").locator('.bw-status[data-state="live"]').wait_for(timeout=10000)
    page.wait_for_selector("html[data-jackpot-count='3']", timeout=10000)  # a few feed updates later
    host = sum(page.evaluate(SHIFTS))
    inside = sum(page.main_frame.child_frames[0].evaluate(SHIFTS))
    # From the first guess to the content's height (the ready message) in one direction,
    # not there and back; later changes are the live content's own.
    heights = [float(h.removesuffix("px")) for h in page.evaluate("window.seen.heights.page")]
    ready = next(detail["height"] for _, name, detail in page.evaluate("window.seen.events") if name == "ready")
    on_load = heights[: heights.index(ready) + 1]
    follows_content(page, {"page": page.locator("iframe")})
    page.screenshot(path=str(ARTIFACTS / "citizen-partner-360.png"), full_page=True)
    context.close()
    assert host < 0.01, f"the partner page shifted: {host:.4f}"
    assert inside < 0.01, f"the widget shifted inside its frame: {inside:.4f}"
    steps = [b - a for a, b in itertools.pairwise(on_load)]
    assert all(step >= 0 for step in steps) or all(step <= 0 for step in steps), heights


QUIET_PAGES = {
    "widget": lambda app: app["base"] + app["widget"],
    "partner": partner_page,
    "crowded": lambda app: partner_page(app, "&layout=crowded"),
}


@pytest.mark.parametrize("which", list(QUIET_PAGES))
def test_no_console_errors_or_warnings_on_the_widget_and_partner_pages(app, browser, which):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.add_init_script(RECORDERS)
    noise: list[str] = []
    page.on("console", lambda m: m.type in ("error", "warning") and noise.append(f"{m.type}: {m.text} {m.location}"))
    page.on("pageerror", lambda error: noise.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda request: noise.append(f"failed: {request.url} {request.failure}"))
    page.on("response", lambda r: r.status >= 400 and noise.append(f"HTTP {r.status}: {r.url}"))
    received: list[str] = []
    page.on("websocket", lambda socket: socket.on("framereceived", lambda payload: received.append(payload)))
    page.goto(QUIET_PAGES[which](app))
    if which == "widget":
        page.locator('.bw-status[data-state="live"]').wait_for(timeout=10000)
        wait_for_messages(page, received, 12)  # jackpots are polled every second here
    else:
        frames = page.locator("iframe")
        frames.first.wait_for()
        page.wait_for_selector("html[data-jackpot-count]", timeout=10000)
        if which == "crowded":
            page.locator("#demo-footer iframe").scroll_into_view_if_needed()
            page.wait_for_selector("html[data-ready~='demo-footer']", timeout=10000)
        # Every frame posts a jackpot event a second: a dozen more, and nobody logged anything.
        count = int(page.locator("html").get_attribute("data-jackpot-count"))
        page.wait_for_selector(f"html[data-jackpot-count='{count + 12}']", timeout=15000)
    page.screenshot(path=str(ARTIFACTS / f"citizen-quiet-{which}-360.png"))
    context.close()
    assert noise == []


def test_a_lazy_frame_below_the_fold_is_not_late_and_every_frame_follows_its_content(app, browser):
    """Two widgets, the second three times (once in Russian, once in the footer 4,000 px
    down) and once more inserted by script later: no false "unreachable", and each frame
    keeps the height of its own content, in view or not."""
    context = browser.new_context(viewport=PHONE)
    settle(context, app["base"] + app["widget"])
    page = context.new_page()
    page.add_init_script(RECORDERS)
    page.clock.install()  # real time flows; the test jumps it forward to where a timer would fire
    page.goto(partner_page(app, "&layout=crowded"))
    for slot in ("demo-first", "demo-second", "demo-second-ru"):
        page.wait_for_selector(f"html[data-ready~='{slot}']", timeout=10000)
    assert page.locator("#demo-footer iframe").evaluate("el => el.getBoundingClientRect().top") > 4000
    page.clock.fast_forward(25_000)  # past embed.js's 20 s: a timer started for the footer would fire now
    assert "demo-footer" not in page.evaluate("window.seen.events.map(([slot]) => slot)")
    assert page.evaluate("window.seen.events.filter(([, name]) => name === 'error')") == []

    page.evaluate(
        """() => {
            const slot = document.getElementById("demo-late");
            const script = document.createElement("script");
            script.src = slot.dataset.embed;
            script.dataset.widget = slot.dataset.widget;
            slot.append(script);
        }"""
    )
    # Its frame is lazy too, and where it lands depends on how tall the feed has made the
    # frames above it (near the browser's load distance): brought into view, it loads.
    page.locator("#demo-late iframe").scroll_into_view_if_needed()
    page.wait_for_selector("html[data-ready~='demo-late']", timeout=10000)

    frames = {slot: page.locator(f"#{slot} iframe") for slot in ("demo-first", "demo-second", "demo-second-ru")}
    frames["demo-late"] = page.locator("#demo-late iframe")
    # The Russian frame's content grows while it is out of view (its results expanded), as
    # when a round ends while the reader is elsewhere on the page.
    page.locator("#demo-footer iframe").scroll_into_view_if_needed()
    page.wait_for_selector("html[data-ready~='demo-footer']", timeout=10000)
    frames["demo-footer"] = page.locator("#demo-footer iframe")
    russian = frames["demo-second-ru"].content_frame
    assert russian.locator("html").get_attribute("lang") == "ru"
    russian.locator(".bw-more:not([hidden])").first.wait_for(timeout=60000)
    # Counted around the click in one turn of the frame's event loop: the click re-renders
    # the list, whose "… ago" times may now be shorter (the clock jumped) and wrap less, so
    # the content's height is not what shows that the results expanded; their number is.
    before, after = russian.locator(".bw-more:not([hidden])").first.evaluate(
        """button => {
            const list = button.closest(".bw-game").querySelector(".bw-results");
            const before = list.children.length;
            button.click();
            return [before, list.children.length];
        }"""
    )
    assert after > before, "the results expanded"
    follows_content(page, frames)

    page.clock.fast_forward(25_000)
    assert page.evaluate("window.seen.events.filter(([, name]) => name === 'error')") == []
    page.screenshot(path=str(ARTIFACTS / "citizen-crowded-footer-360.png"))
    context.close()


CONTENT_HEIGHT = "el => Math.ceil(el.getBoundingClientRect().height)"


def follows_content(page, frames: dict) -> None:
    """Wait until every frame's height is its content's; the last mismatch if that never happens."""
    mismatch: dict = {}

    def followed() -> bool:
        mismatch.clear()
        for slot, frame in frames.items():
            outer = frame.evaluate("el => el.getBoundingClientRect().height")
            inner = frame.content_frame.locator(".bw-root").evaluate(CONTENT_HEIGHT)
            if abs(outer - inner) > 1:
                mismatch[slot] = (outer, inner)
        return not mismatch

    try:
        wait_until(followed, 6, "every frame's height its content's")
    except TimeoutError:
        raise AssertionError(f"frames not following their content (frame, content): {mismatch}") from None


def test_a_frame_asked_to_load_that_never_answers_is_reported_unreachable(app, browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.add_init_script(RECORDERS)

    # A widget host that serves something, but no widget: the frame loads and stays silent.
    def silence(route) -> None:
        route.fulfill(content_type="text/html", body="<p>silence</p>")

    context.route(re.compile(r"/w/silent-widget-id00/"), silence)
    page.clock.install()
    page.goto(partner_page(app, "&widget=silent-widget-id00"))
    page.frame_locator("iframe").locator("p").wait_for(timeout=10000)
    page.clock.fast_forward(25_000)
    errors = page.evaluate("window.seen.events.filter(([, name]) => name === 'error').map(([, , d]) => d)")
    context.close()
    assert errors == [{"reason": "unreachable"}]


def dejavu_sans_installed() -> bool:
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return False
    return "DejaVu Sans" in subprocess.run([fc_list], capture_output=True, text=True, check=False).stdout


@pytest.mark.skipif(not dejavu_sans_installed(), reason="DejaVu Sans (Firefox's default font here) is not installed")
@pytest.mark.parametrize("language", ["en", "ru"])
def test_card_heads_stay_on_one_line_at_320px_in_a_wide_font(app, browser, language):
    context = browser.new_context(viewport={"width": 320, "height": 640}, bypass_csp=True)
    url = f"{app['base']}{app['widget']}?lang={language}"
    settle(context, url)
    page = context.new_page()
    page.goto(url)
    page.add_style_tag(content='* { font-family: "DejaVu Sans" !important; }')
    page.locator('.bw-status[data-state="live"]').wait_for(timeout=5000)
    page.locator(".bw-more:not([hidden])").first.wait_for(timeout=10000)
    heads = page.locator(".bw-game-head").evaluate_all(
        """(heads) => heads.map((head) => ({
            height: head.getBoundingClientRect().height,
            tallest: Math.max(...[...head.children].map((child) => child.getBoundingClientRect().height)),
            overflow: head.scrollWidth - head.clientWidth,
            more: head.querySelector(".bw-more").getBoundingClientRect().right <= head.getBoundingClientRect().right,
        }))"""
    )
    page.screenshot(path=str(ARTIFACTS / f"citizen-dejavu-{language}-320.png"), full_page=True)
    context.close()
    assert heads
    for head in heads:
        assert head["height"] < 1.5 * head["tallest"], f"the head wrapped: {head}"
        assert head["overflow"] <= 0 and head["more"], f"the head overflows: {head}"


# What clips in a card: an element whose content is wider than its box (visually hidden
# labels are clipped on purpose).
CLIPPED = """(root) => [...root.querySelectorAll(".bw-game *, .bw-jackpot *")]
  .filter((el) => !el.closest(".bw-visually-hidden") && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
  .map((el) => `${el.className}: ${el.textContent}`)"""

ISOLATED = """(root) => [...root.querySelectorAll(".bw-jackpot-amount, .bw-round [dir], .bw-result-round")]
  .map((el) => [el.className || "round", getComputedStyle(el).direction, getComputedStyle(el).unicodeBidi])"""


@pytest.mark.skipif(
    "ar" not in dict(settings.LANGUAGES), reason="Arabic is not in settings.LANGUAGES yet (being added)"
)
def test_arabic_is_laid_out_right_to_left_without_clipping_or_garbled_numbers(app, browser):
    context = browser.new_context(viewport=PHONE, locale="ar")
    url = f"{app['base']}{app['widget']}?lang=ar"
    settle(context, url)
    page = context.new_page()
    page.goto(url)
    page.locator('.bw-status[data-state="live"]').wait_for(timeout=5000)
    page.locator(".bw-countdown:not([hidden])").first.wait_for(timeout=40000)
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    root = page.locator(".bw-root")
    clipped = root.evaluate(CLIPPED)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    isolated = root.evaluate(ISOLATED)
    card = page.locator(".bw-game").first.evaluate("el => getComputedStyle(el).borderRightWidth")
    progress = page.locator(".bw-countdown:not([hidden]) .bw-progress").first.evaluate(
        "el => getComputedStyle(el).direction"
    )
    page.screenshot(path=str(ARTIFACTS / "citizen-rtl-ar-360.png"), full_page=True)
    context.close()
    assert clipped == [] and overflow <= 0
    assert isolated and all(direction == "ltr" and bidi == "isolate" for _, direction, bidi in isolated), isolated
    assert card == "4px", "the accent edge is on the inline start: the right in Arabic"
    assert progress == "rtl", "the betting bar fills from the right"
