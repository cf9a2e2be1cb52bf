"""The sandbox's live video: one HLS stream per game type, made of a checked-in loop.

The four 2 s segments under ``video/`` (made once by ``scripts/make_sandbox_video.py``)
repeat forever. The playlist is LIVE: its media sequence is the wall clock in segments,
so every player joins near "now" and sees the window slide. Each time the loop starts
again the timestamps jump back, which the playlist marks with ``EXT-X-DISCONTINUITY``
(and counts in ``EXT-X-DISCONTINUITY-SEQUENCE``) as a real live encoder restart would.

``/video/{t}/broken.m3u8`` is a well-formed live playlist whose segments are garbage:
the failure a player meets when an encoder or CDN goes wrong. ``/video/{t}/stalled.m3u8``
is live but stops where the sandbox started: an encoder that froze (it plays its last
few seconds, then nothing new comes). ``/video/{t}/player`` is a provider-style player
page around the live stream, for widgets that frame a page instead of playing a playlist.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from sandbox.catalog import GAME_KINDS

SEGMENTS_DIR = Path(__file__).resolve().parent / "video"
SEGMENT_SECONDS = 2
LOOP = 4  # segments in the loop
WINDOW = 3  # segments in each playlist (the live window)
# Segments are counted from here, not from 1970: Chromium's native HLS player refuses to
# parse a playlist whose media sequence is near 9e8 (Unix time / 2), and plays 5e7 fine.
EPOCH = 1_735_689_600.0  # 2025-01-01T00:00:00Z
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPE = "video/mp2t"
# Players on any origin may read it (hls.js fetches; a native <video> does not need this).
OPEN = {"Access-Control-Allow-Origin": "*"}
GARBAGE = bytes(range(256)) * 74  # not MPEG-TS: no 0x47 sync byte at each 188-byte packet


PLAYER_PAGE = (
    "<!doctype html><meta charset=utf-8><title>Sandbox player</title>"
    "<style>html,body{margin:0;height:100%;background:#000}video{width:100%;height:100%}</style>"
    '<video src="live.m3u8" muted autoplay playsinline></video>'
)


def stream_path(game_type: int) -> str:
    return f"/video/{game_type}/live.m3u8"


def live_playlist(now: float, segment_path: Callable[[int], str]) -> str:
    """The playlist at ``now``: the last ``WINDOW`` segments of the endless loop."""
    first = max(0, int((now - EPOCH) // SEGMENT_SECONDS) - WINDOW + 1)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}",
        f"#EXT-X-MEDIA-SEQUENCE:{first}",
        # Segments 4, 8, 12… start the loop again; the first listed one's count is implied.
        f"#EXT-X-DISCONTINUITY-SEQUENCE:{first // LOOP}",
    ]
    for number in range(first, first + WINDOW):
        if number % LOOP == 0 and number != first:
            lines.append("#EXT-X-DISCONTINUITY")
        lines += [f"#EXTINF:{SEGMENT_SECONDS}.000,", segment_path(number)]
    return "\n".join(lines) + "\n"


def routes(clock: Callable[[], float]) -> list[web.RouteDef]:
    started = clock()
    segments = [(SEGMENTS_DIR / f"segment{index}.ts").read_bytes() for index in range(LOOP)]

    def game_type(request: web.Request) -> int:
        try:
            found = int(request.match_info["t"])
        except ValueError:
            raise web.HTTPNotFound() from None
        if found not in GAME_KINDS:
            raise web.HTTPNotFound()
        return found

    async def playlist(request: web.Request) -> web.Response:
        game_type(request)
        text = live_playlist(clock(), lambda number: f"segment/{number}.ts")
        headers = {**OPEN, "Cache-Control": "no-cache"}
        return web.Response(text=text, content_type=PLAYLIST_TYPE, headers=headers)

    async def segment(request: web.Request) -> web.Response:
        game_type(request)
        number = int(request.match_info["n"])
        headers = {**OPEN, "Cache-Control": "public, max-age=60"}  # a numbered segment never changes
        return web.Response(body=segments[number % LOOP], content_type=SEGMENT_TYPE, headers=headers)

    async def broken_playlist(request: web.Request) -> web.Response:
        game_type(request)
        text = live_playlist(clock(), lambda number: f"garbage/{number}.ts")
        return web.Response(text=text, content_type=PLAYLIST_TYPE, headers={**OPEN, "Cache-Control": "no-cache"})

    async def stalled_playlist(request: web.Request) -> web.Response:
        game_type(request)
        text = live_playlist(started, lambda number: f"segment/{number}.ts")
        return web.Response(text=text, content_type=PLAYLIST_TYPE, headers={**OPEN, "Cache-Control": "no-cache"})

    async def player_page(request: web.Request) -> web.Response:
        game_type(request)
        return web.Response(text=PLAYER_PAGE, content_type="text/html")

    async def garbage(request: web.Request) -> web.Response:
        game_type(request)
        return web.Response(body=GARBAGE, content_type=SEGMENT_TYPE, headers=OPEN)

    return [
        web.get("/video/{t}/live.m3u8", playlist),
        web.get(r"/video/{t}/segment/{n:\d{1,12}}.ts", segment),
        web.get("/video/{t}/broken.m3u8", broken_playlist),
        web.get("/video/{t}/stalled.m3u8", stalled_playlist),
        web.get("/video/{t}/player", player_page),
        web.get(r"/video/{t}/garbage/{n:\d{1,12}}.ts", garbage),
    ]
