"""The live picture in Firefox (Gecko) and WebKitGTK, the engines without native HLS here (hls.js plays).

Gecko (firefox-esr, with Debian's libavcodec for H.264) decodes the sandbox stream.
WebKitGTK's MiniBrowser under Xvfb attaches it through Media Source Extensions; whether it
paints frames depends on the GStreamer plugins installed, so there the test asks that it
either decodes or falls back (poster and message), while the data stays live, with nothing
in the console.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.engines import NEEDS, Engine, start
from tests.served_app import streams_stored
from tests.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PLAYBACK = """(() => {
  const video = document.querySelector("video.bw-video-player");
  if (!video) return null;
  const message = document.querySelector(".bw-video-message");
  return {
    frames: video.getVideoPlaybackQuality().totalVideoFrames,
    time: video.currentTime,
    hlsJs: Boolean(window.Hls),
    state: video.closest(".bw-video").dataset.state,
    message: message.hidden ? "" : message.textContent,
    live: document.querySelector(".bw-status").dataset.state,
  };
})()"""


prepare_app = streams_stored  # conftest's `app`, once the worker has the sandbox's stream addresses


def engine(name: str, app: dict[str, Any], tmp_path: Path) -> Engine:
    missing = [path for path in NEEDS[name] if not os.path.exists(path)]
    if missing:
        pytest.fail(f"{name} needs {missing}: run `make system-deps` (as root) and `npm ci`")
    return start(name, tmp_path, [app["base"] + app["widget"]])


def readings_until(browser: Engine, done: Callable[[list[dict[str, Any]]], bool], timeout: float) -> list[dict]:
    """The player's readings (None before the player exists), taken until ``done`` accepts them or ``timeout``."""
    found: list[dict[str, Any]] = []
    with contextlib.suppress(TimeoutError):  # the test's asserts say what was missing
        wait_until(lambda: found.append(browser.evaluate(PLAYBACK, "top")) or done(found), timeout)
    return found


def played(seen: list[dict[str, Any]]) -> bool:
    """hls.js playing, and frames and media time moving on between the first reading that played and the last."""
    playing = [r for r in seen if r and r["frames"] > 0]
    return (
        bool(playing)
        and seen[-1]["hlsJs"]
        and seen[-1]["state"] == "playing"
        and playing[-1]["frames"] > playing[0]["frames"] + 50
        and playing[-1]["time"] > playing[0]["time"] + 2
    )


def decoded(seen: list[dict[str, Any]]) -> bool:
    return max((r["frames"] for r in seen if r), default=0) > 25


def fell_back(seen: list[dict[str, Any]]) -> bool:
    """The poster and a message: the player gave up on the stream."""
    return any(r["state"] == "failed" and r["message"] for r in seen if r)


def test_firefox_decodes_the_sandbox_stream_through_hls_js(app, tmp_path):
    browser = engine("gecko", app, tmp_path)
    try:
        browser.open(app["base"] + app["widget"], 360, 740)
        seen = readings_until(browser, played, 20)
        assert played(seen), seen[-5:]
        assert browser.console_errors(app["base"] + app["widget"]) == []
    finally:
        browser.close()


def test_webkit_falls_back_to_the_poster_and_keeps_the_data_live(app, tmp_path):
    url = app["base"] + app["widget"]
    browser = engine("webkit", app, tmp_path)
    try:
        browser.open(url, 360, 740)
        # Where GStreamer's decoders are installed WebKitGTK plays; the counter restarts when
        # the widget re-attaches the stream after a stall, so the best reading counts.
        # A stall shows the poster and message after 12 s without a frame (video.js STALL_MS), so
        # the window leaves room for a stall that starts late on a loaded machine.
        seen = readings_until(browser, lambda found: decoded(found) or fell_back(found), 45)
        assert decoded(seen) or fell_back(seen), seen[-5:]
        # The data stayed live all the while, from the moment it went live.
        shown = [r for r in seen if r]
        went_live = next(i for i, r in enumerate(shown) if r["live"] == "live")
        assert all(r["live"] == "live" for r in shown[went_live:]), shown
        assert browser.console_errors(url) == []
    finally:
        browser.close()
