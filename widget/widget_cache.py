"""Widget rows per process for page views and socket connects: one query per widget, not one per viewer.

When a web process restarts, thousands of viewers of the same few widgets reconnect
within seconds; a query each (through Django's one database thread) makes them wait
behind each other. A looked-up widget is kept for ``KEEP_FOR`` seconds, "no such
widget" for ``KEEP_UNKNOWN_FOR``; concurrent lookups of the same id share one query,
and a save in this process or a ``config`` message from another (live_config) drops it
at once. Both kinds are capped (the oldest entry goes first), so ids made up by a
client cannot grow the process.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections import OrderedDict

from channels.db import database_sync_to_async

from widget.models import Widget

KEEP_FOR = 5.0  # seconds: how stale a process that has no viewers of a changed widget may be
KEEP_UNKNOWN_FOR = 1.0  # seconds: a flood of one made-up id costs one query a second
MAX_KNOWN = 2048
MAX_UNKNOWN = 256


class _Expiring:
    """Entries kept for ``keep_for`` seconds, at most ``limit`` of them, oldest dropped first."""

    def __init__(self, keep_for: float, limit: int) -> None:
        self.keep_for, self.limit = keep_for, limit
        self.entries: OrderedDict[str, tuple[float, Widget | None]] = OrderedDict()

    def get(self, key: str, now: float) -> tuple[bool, Widget | None]:
        entry = self.entries.get(key)
        if entry is None or now - entry[0] >= self.keep_for:
            return False, None
        return True, entry[1]

    def put(self, key: str, value: Widget | None, now: float) -> None:
        self.entries.pop(key, None)
        self.entries[key] = (now, value)  # the newest at the end
        while self.entries:
            oldest_key, (stored, _) = next(iter(self.entries.items()))
            if len(self.entries) <= self.limit and now - stored < self.keep_for:
                break
            del self.entries[oldest_key]

    def pop(self, key: str) -> None:
        self.entries.pop(key, None)


_known = _Expiring(KEEP_FOR, MAX_KNOWN)
_unknown = _Expiring(KEEP_UNKNOWN_FOR, MAX_UNKNOWN)
_pending: dict[str, asyncio.Future[Widget | None]] = {}


def size() -> int:
    """Entries kept now (both kinds): bounded by MAX_KNOWN + MAX_UNKNOWN."""
    return len(_known.entries) + len(_unknown.entries)


async def live_widget(public_id: str) -> Widget | None:
    """The enabled widget with this public id (a copy of its own for the caller), or None."""
    now = time.monotonic()
    for kept in (_known, _unknown):
        found, widget = kept.get(public_id, now)
        if found:
            return copy.copy(widget)
    pending = _pending.get(public_id)
    if pending is None:
        pending = _pending[public_id] = asyncio.get_running_loop().create_future()
        try:
            widget = await database_sync_to_async(Widget.objects.live)(public_id)
        except BaseException as error:
            pending.set_exception(error)
            pending.exception()  # retrieved here, so nobody waiting is not an "unretrieved" warning
            raise
        finally:
            _pending.pop(public_id, None)
        (_known if widget is not None else _unknown).put(public_id, widget, time.monotonic())
        pending.set_result(widget)
        return copy.copy(widget)
    return copy.copy(await asyncio.shield(pending))


def forget(public_id: str) -> None:
    _known.pop(public_id)
    _unknown.pop(public_id)
