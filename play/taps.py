"""Taps on Play, from the widget's own socket (``feed.protocol.client.Tap``).

Counted at most once per socket, game type and ``TAP_WINDOW`` seconds, only for a game type
the socket shows, only from a socket that joined a saved widget (not the admin preview).
There is no HTTP endpoint: counting takes an open socket from an allowed origin, which the
socket's own limits (per address, messages per second) already bound.
"""

from __future__ import annotations

import time
import weakref
from typing import Any

from feed.protocol.client import Tap
from play import recorder

TAP_WINDOW = 60.0

# Per open socket: game type -> when its last counted tap was (monotonic); gone with the socket.
_last_taps: weakref.WeakKeyDictionary[Any, dict[int, float]] = weakref.WeakKeyDictionary()


def tapped(consumer: Any, tap: Tap, now: float | None = None, at: float | None = None) -> bool:
    """Count a tap from ``consumer`` (a WidgetConsumer); True if it was counted."""
    widget = getattr(consumer, "widget", None)
    game_type = tap.game_type
    if (
        widget is None
        or widget.pk is None
        or getattr(consumer, "config_group", None) is None  # not (or no longer) joined
        or game_type not in getattr(consumer, "game_types", [])
    ):
        return False
    now = time.monotonic() if now is None else now
    seen = _last_taps.setdefault(consumer, {})
    last = seen.get(game_type)
    if last is not None and now - last < TAP_WINDOW:
        return False
    seen[game_type] = now
    recorder.recorder.tap(widget.public_id, game_type, time.time() if at is None else at)
    recorder.wake()
    return True
