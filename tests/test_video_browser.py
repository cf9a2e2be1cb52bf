"""The live picture in Chromium: frames decode, nothing is fetched out of sight, a broken stream never stops the data.

Run against `manage.py serve` (sandbox, worker and daphne in one process): the sandbox
names a live HLS stream for each game type in its translations, the worker keeps them,
and the demo widget plays them.
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

import pytest

from tests.served_app import ARTIFACTS, manage_shell, pumped, streams_stored
from tests.waiting import last_reading, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.browser]

prepare_app = streams_stored  # conftest's `app`, once the worker has the sandbox's stream addresses

# The engine's native HLS switched off: the hls.js path (what Firefox and engines without native HLS take).
NO_NATIVE_HLS = """
const canPlay = HTMLMediaElement.prototype.canPlayType;
HTMLMediaElement.prototype.canPlayType = function (type) {
  return /mpegurl/i.test(type) ? "" : canPlay.call(this, type);
};
"""
# The tab's visibility under the test's control (headless Chromium has no hidden tab to switch to).
CONTROLLED_VISIBILITY = """
Object.defineProperty(Document.prototype, "visibilityState", {
  configurable: true, get() { return window.__bwHidden ? "hidden" : "visible"; },
});
Object.defineProperty(Document.prototype, "hidden", {
  configurable: true, get() { return Boolean(window.__bwHidden); },
});
"""
SAVE_DATA = """
Object.defineProperty(Navigator.prototype, "connection", { configurable: true, get: () => ({ saveData: true }) });
"""
PLAYBACK = """(video) => ({
  frames: video.getVideoPlaybackQuality().totalVideoFrames,
  time: video.currentTime,
  native: !window.Hls,
  state: video.closest(".bw-video").dataset.state,
  behind: video.seekable.length ? video.seekable.end(video.seekable.length - 1) - video.currentTime : null,
})"""


def open_widget(app, browser, *, init_scripts=(), viewport=(360, 740), path=None):
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    for script in init_scripts:
        context.add_init_script(script)
    page = context.new_page()
    video_requests: list[str] = []
    page.on("request", lambda request: "/video/" in request.url and video_requests.append(request.url))
    page.clock.install()  # time flows as usual; a test moves it on to fire the page's timers at once
    response = page.goto(app["base"] + (path or app["widget"]))
    page.locator('.bw-status[data-state="live"]').wait_for(timeout=10000)
    return context, page, response, video_requests


def decodes(target, seconds: float = 3.0) -> dict:
    """Playback figures of the picture now and ``seconds`` later (``target``: a page or a frame locator)."""
    video = target.locator("video.bw-video-player")
    first = video.evaluate(PLAYBACK)
    with contextlib.suppress(TimeoutError):  # the asserts below say how far it got
        first = wait_until(lambda: (figures := video.evaluate(PLAYBACK))["frames"] >= 5 and figures, 20, "5 frames")
    started = time.monotonic()
    readings = [first]

    def moved_on() -> bool:  # as far as the asserts ask, at whatever pace it plays
        readings.append(video.evaluate(PLAYBACK))
        later = readings[-1]
        return later["frames"] > first["frames"] + 10 * seconds and later["time"] > first["time"] + seconds

    with contextlib.suppress(TimeoutError):
        wait_until(moved_on, 3 * seconds + 5, "the picture moving on")
    later = readings[-1]
    later["paced"] = (later["time"] - first["time"]) / (time.monotonic() - started)
    assert later["frames"] > first["frames"] + 10 * seconds, (first, later)  # 25 frames a second
    assert later["time"] > first["time"] + seconds / 2, (first, later)
    return later


def wait_for_requests(page, requests: list[str], more_than: int, timeout: float = 10) -> None:
    """Until more than ``more_than`` requests are seen (Playwright reports them during its calls)."""
    wait_until(pumped(page, lambda: len(requests) > more_than), timeout, f"more than {more_than} video requests")


# Resolves once an IntersectionObserver made now has had its first callback on the picture: the
# widget's own (made earlier) has had its first one by then, so the picture knows where it is.
PLACED = """() => new Promise((resolve) => {
  const observer = new IntersectionObserver(() => { observer.disconnect(); resolve(true); });
  observer.observe(document.querySelector(".bw-video"));
})"""
# What any fetch of the picture starts from: a source on the player, hls.js loaded, a framed player page.
ATTACHED = """() => {
  const video = document.querySelector("video.bw-video-player");
  return Boolean(video && video.hasAttribute("src")) || Boolean(window.Hls) ||
    Boolean(document.querySelector("iframe.bw-video-page"));
}"""


def nothing_more_fetched(page, requests: list[str], seen: int) -> None:
    """The player is detached and stays so: ten seconds of the page's time (every timer of a
    player still running would fire: playlist reloads, retries) bring no request after ``seen``."""
    page.evaluate(PLACED)
    assert not page.evaluate(ATTACHED)
    page.clock.fast_forward(10_000)
    page.evaluate(PLACED)  # one more rendering step for whatever those timers started
    assert not page.evaluate(ATTACHED)
    assert requests[seen:] == [], requests[seen:]


def wait_for_frames(video: Any, at_least: int, seconds: float, where: str) -> None:
    """Wait until ``video`` has decoded ``at_least`` frames; the assert says how many it had."""
    count = last_reading(
        lambda: video.evaluate("v => v.getVideoPlaybackQuality().totalVideoFrames"), lambda n: n >= at_least, seconds
    )
    assert count >= at_least, f"{count} frames decoded in {where} within {seconds:g} s, not {at_least}"


def test_frames_decode_natively_on_the_widget_page_and_its_csp_names_the_stream_origin(app, browser):
    context, page, response, _ = open_widget(app, browser)
    figures = decodes(page)
    assert figures["native"], "Chromium plays HLS itself: hls.js is not even loaded"
    # Chromium's own player exposes no seekable range for live: it keeps pace with the clock instead.
    assert figures["paced"] >= 0.6, figures  # (a rebuffer on a busy machine is allowed, a drift is not)
    sandbox = app["sandbox"].rstrip("/")
    directives = dict(part.split(" ", 1) for part in response.headers["content-security-policy"].split("; "))
    assert directives["media-src"] == f"blob: {sandbox}"
    assert directives["connect-src"] == f"'self' {sandbox}"
    assert "frame-src" not in directives
    caption = page.locator(".bw-video-caption").text_content()
    assert page.locator(".bw-game-name").first.text_content() in caption
    page.screenshot(path=str(ARTIFACTS / "video-widget-360x740.png"), full_page=True)
    context.close()


def test_frames_decode_through_hls_js_where_the_engine_has_no_native_hls(app, browser):
    context, page, _, _ = open_widget(app, browser, init_scripts=[NO_NATIVE_HLS])
    figures = decodes(page)
    assert not figures["native"]
    assert figures["behind"] is not None and figures["behind"] <= 8, "within four 2 s segments of the live edge"
    assert (
        page.evaluate("window.Hls.version") == (ARTIFACTS.parent / "static/vendor/hls.js/VERSION").read_text().strip()
    )
    context.close()


def test_frames_decode_inside_the_partner_pages_iframe(app, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"http://localhost:{app['port']}/demo/partner/?widget_origin={app['base']}")
    page.wait_for_selector("iframe")
    frame = page.frame_locator("iframe")
    frame.locator('.bw-status[data-state="live"]').wait_for(timeout=10000)
    frame.locator("video.bw-video-player").scroll_into_view_if_needed()
    decodes(frame)
    page.screenshot(path=str(ARTIFACTS / "video-partner-360x740.png"), full_page=True)
    context.close()


def test_nothing_is_fetched_while_the_picture_is_out_of_view(app, browser):
    # 100 px tall: less than half of the picture is on screen.
    context, page, _, requests = open_widget(app, browser, viewport=(360, 100))
    page.locator('.bw-video[data-state="idle"]').wait_for(state="attached", timeout=10000)
    nothing_more_fetched(page, requests, 0)
    page.set_viewport_size({"width": 360, "height": 740})
    wait_for_requests(page, requests, 0)
    decodes(page, 1.0)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.locator('.bw-video[data-state="idle"]').wait_for(state="attached", timeout=5000)
    # Requests are reported in the order the page made them: all those made before it let go are in.
    seen = len(requests)
    nothing_more_fetched(page, requests, seen)
    context.close()


def test_nothing_is_fetched_while_the_tab_is_hidden(app, browser):
    context, page, _, requests = open_widget(app, browser, init_scripts=[CONTROLLED_VISIBILITY])
    decodes(page, 1.0)
    page.evaluate("window.__bwHidden = true; document.dispatchEvent(new Event('visibilitychange'))")
    page.locator('.bw-video[data-state="idle"]').wait_for(state="attached", timeout=5000)
    # Requests are reported in the order the page made them: all those made before it let go are in.
    seen = len(requests)
    nothing_more_fetched(page, requests, seen)
    page.evaluate("window.__bwHidden = false; document.dispatchEvent(new Event('visibilitychange'))")
    wait_for_requests(page, requests, seen)
    decodes(page, 1.0)
    context.close()


def test_a_watch_button_swaps_the_picture_to_another_game(app, browser):
    context, page, _, requests = open_widget(app, browser)
    decodes(page, 1.0)
    buttons = page.locator(".bw-watch")
    assert buttons.count() >= 2 and buttons.first.get_attribute("aria-pressed") == "true"
    other = buttons.nth(1)
    chosen = other.get_attribute("data-t")
    other.click()
    assert other.get_attribute("aria-pressed") == "true"
    decodes(page, 1.0)
    assert any(f"/video/{chosen}/" in r for r in requests)
    assert page.locator("video.bw-video-player").evaluate("v => v.currentSrc").endswith(f"/video/{chosen}/live.m3u8")
    context.close()


def test_a_broken_stream_shows_the_poster_and_a_message_while_results_keep_arriving(app, browser):
    code = (
        "from widget.models import Theme, Widget; from streams.models import StreamSource; "
        f"w = Widget.objects.create(name='Broken video', game_types='3, 1', theme=Theme.objects.first(), "
        f"allowed_origins='http://localhost:{app['port']}'); "
        "StreamSource.objects.create(widget=w, game_type=3, featured=True, "
        f"url='{app['sandbox']}/video/3/broken.m3u8', "
        f"poster='{app['base']}/static/favicon/favicon.png'); print(w.public_id)"
    )
    public_id = manage_shell(app, code)
    context, page, _, requests = open_widget(app, browser, path=f"/w/{public_id}/?lang=es")
    message = page.locator(".bw-video-message")
    message.wait_for(state="visible", timeout=20000)
    assert message.text_content() == "Vídeo no disponible. Reintentando…"
    assert page.locator("video.bw-video-player").get_attribute("poster").endswith("/static/favicon/favicon.png")
    assert page.locator(".bw-video").get_attribute("data-state") == "failed"
    countdown = page.locator(".bw-countdown:not([hidden]) .bw-countdown-text").first
    countdown.wait_for(timeout=40000)
    first = countdown.text_content()
    wait_until(lambda: countdown.text_content() != first, 3, "the countdown moving on while the video fails")
    assert page.locator('.bw-status[data-state="live"]').count() == 1
    # The first fetch, then retries after a backoff (2 s, 4 s, …): the message stays up meanwhile.
    playlists = lambda: [r for r in requests if r.endswith("broken.m3u8")]  # noqa: E731
    page.clock.fast_forward(5_000)  # past the first backoff (2 s, +-20 %): the retry fires now
    try:
        wait_until(pumped(page, lambda: len(playlists()) >= 2), 10, "a retry of the broken playlist")
    except TimeoutError as error:  # what was fetched, as of when the wait gave up
        raise AssertionError(f"{error}; seen {requests}") from None
    assert message.is_visible()
    assert json.loads(page.locator("#bw-streams").text_content())["streams"]["3"]["url"].endswith("broken.m3u8")
    page.screenshot(path=str(ARTIFACTS / "video-broken-360x740.png"), full_page=True)
    context.close()


def test_under_save_data_the_picture_waits_for_a_tap_then_plays_and_unmutes(app, browser):
    context, page, _, requests = open_widget(app, browser, init_scripts=[SAVE_DATA])
    play = page.locator(".bw-video-play")
    play.wait_for(state="visible", timeout=10000)
    nothing_more_fetched(page, requests, 0)
    play.click()
    wait_for_requests(page, requests, 0)
    decodes(page, 1.0)
    assert play.is_hidden()
    video = page.locator("video.bw-video-player")
    assert video.evaluate("v => v.muted")
    page.locator(".bw-video-sound").click()
    assert not video.evaluate("v => v.muted")
    assert page.locator(".bw-video-sound").get_attribute("aria-pressed") == "true"
    context.close()


def test_the_admin_preview_plays_the_stream(app, browser):
    code = (
        "from django.contrib.auth.models import User; from streams.models import StreamSource; "
        "User.objects.create_superuser('video-admin', 'video-admin@example.com', 'video-admin-password-1'); "
        f"print(StreamSource.objects.create(game_type=5, url='{app['sandbox']}/video/5/live.m3u8').pk)"
    )
    pk = manage_shell(app, code)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{app['base']}/admin/login/?next=/admin/streams/streamsource/{pk}/change/")
    page.fill("#id_username", "video-admin")
    page.fill("#id_password", "video-admin-password-1")
    page.click("input[type=submit]")
    page.locator("video.bw-stream-preview").wait_for(timeout=10000)
    assert page.locator(".errornote").count() == 0
    video = page.locator("video.bw-stream-preview")
    wait_for_frames(video, 25, 20, "the preview")
    page.screenshot(path=str(ARTIFACTS / "video-admin-preview.png"))
    context.close()


def test_a_stalled_stream_falls_back_to_the_message_and_tries_again(app, browser):
    code = (
        "from widget.models import Theme, Widget; from streams.models import StreamSource; "
        "w = Widget.objects.create(name='Stalled video', game_types='1', theme=Theme.objects.first()); "
        f"StreamSource.objects.create(widget=w, game_type=1, url='{app['sandbox']}/video/1/stalled.m3u8'); "
        "print(w.public_id)"
    )
    public_id = manage_shell(app, code)
    context, page, _, requests = open_widget(app, browser, path=f"/w/{public_id}/")
    decodes(page, 1.0)  # the frozen window's last seconds play first
    page.locator(".bw-video-message").wait_for(state="visible", timeout=30000)
    assert page.locator(".bw-video").get_attribute("data-state") == "failed"
    playlists = lambda: len([r for r in requests if r.endswith("stalled.m3u8")])  # noqa: E731
    seen = playlists()
    page.clock.fast_forward(5_000)  # past the first backoff (2 s, +-20 %): the retry fires now
    wait_until(pumped(page, lambda: playlists() > seen), 10, "a retry after the backoff")
    context.close()


def test_a_provider_player_page_is_framed_only_while_the_picture_is_on_screen(app, browser):
    code = (
        "from widget.models import Theme, Widget; from streams.models import StreamSource; "
        "w = Widget.objects.create(name='Framed player', game_types='2', theme=Theme.objects.first()); "
        f"StreamSource.objects.create(widget=w, game_type=2, kind='page', url='{app['sandbox']}/video/2/player'); "
        "print(w.public_id)"
    )
    public_id = manage_shell(app, code)
    context, page, response, requests = open_widget(app, browser, path=f"/w/{public_id}/", viewport=(360, 100))
    directives = dict(part.split(" ", 1) for part in response.headers["content-security-policy"].split("; "))
    assert directives["frame-src"] == app["sandbox"].rstrip("/") and "media-src" not in directives
    nothing_more_fetched(page, requests, 0)
    assert page.locator("iframe.bw-video-page").count() == 0
    page.set_viewport_size({"width": 360, "height": 740})
    page.locator("iframe.bw-video-page").wait_for(timeout=10000)
    player = page.frame_locator("iframe.bw-video-page").locator("video")
    # The provider's own page is in the frame; whether Chromium's native HLS player decodes it is
    # the provider's business (on a loaded machine it sometimes does not start within 30 s).
    player.wait_for(state="attached", timeout=10000)
    assert player.get_attribute("src") == "live.m3u8"
    page.set_viewport_size({"width": 360, "height": 100})
    page.locator("iframe.bw-video-page").wait_for(state="detached", timeout=5000)
    context.close()
