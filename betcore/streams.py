"""Stream addresses in BETCORE data, and a reachability check for a configured stream.

BETCORE documents no video endpoint. If a games-info push or a REST answer ever carries
a field that looks like a stream (``m3u8``, ``mpd``, ``video``, ``stream``, ``webrtc``…)
next to a game type, ``find_streams`` picks it up, wherever it is nested.
``check_stream`` is the one outbound request the admin makes for streams.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

STREAM_KEY = re.compile(r"m3u8|mpd|video|stream|webrtc|hls|dash|broadcast|player", re.IGNORECASE)
STREAM_VALUE = re.compile(r"^(https?|wss?)://[^\s\"'<>]{1,2000}$")
STREAM_SUFFIX = re.compile(r"\.(m3u8|mpd)(\?|#|$)", re.IGNORECASE)
GAME_TYPE_KEYS = ("t", "gameType", "GameType", "gametype", "game_type")
MAX_DEPTH = 6
CHECK_BYTES = 64 * 1024


def is_stream_field(key: str, value: Any) -> bool:
    """Whether ``key: value`` looks like a stream address (a named key, or an .m3u8/.mpd URL)."""
    if not isinstance(value, str) or not STREAM_VALUE.match(value):
        return False
    return bool(STREAM_KEY.search(key) or STREAM_SUFFIX.search(value))


def _game_type(item: Mapping[str, Any]) -> int | None:
    for key in GAME_TYPE_KEYS:
        value = item.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, int) or (isinstance(value, str) and value.isascii() and value.isdigit()):
            number = int(value)
            if 0 < number < 100_000:
                return number
    return None


def find_streams(data: Any) -> dict[int, str]:
    """Game type → stream address, from any object that carries both (first one wins)."""
    found: dict[int, str] = {}

    def walk(item: Any, depth: int) -> None:
        if depth > MAX_DEPTH:
            return
        if isinstance(item, Mapping):
            game_type = _game_type(item)
            if game_type is not None and game_type not in found:
                for key, value in item.items():
                    if is_stream_field(str(key), value):
                        found[game_type] = value
                        break
            for value in item.values():
                walk(value, depth + 1)
        elif isinstance(item, list):
            for value in item:
                walk(value, depth + 1)

    walk(data, 0)
    return found


@dataclass(frozen=True)
class StreamCheck:
    ok: bool
    problem: str = ""  # why not, in a few words, for an admin warning


def looks_like_playlist(body: bytes) -> bool:
    return body.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"#EXTM3U")


def check_stream(url: str, kind: str, timeout: float = 5.0) -> StreamCheck:
    """Fetch ``url`` once: reachable, and for an HLS source, a playlist (``#EXTM3U``)."""
    import requests  # here, not at the top: the parsers import this module and stay pure

    try:
        with requests.get(url, timeout=timeout, stream=True, allow_redirects=True) as response:
            if response.status_code >= 400:
                return StreamCheck(False, f"answers HTTP {response.status_code}")
            body = next(response.iter_content(CHECK_BYTES), b"")
    except requests.RequestException as error:
        return StreamCheck(False, f"not reachable ({type(error).__name__})")
    if kind == "hls" and not looks_like_playlist(body):
        return StreamCheck(False, "is not an HLS playlist (no #EXTM3U)")
    return StreamCheck(True)
