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
# One lookup task per id in flight, shared by every caller: a caller that goes away (a
# reader leaving the page cancels its view) cancels only its own wait, not the lookup.
_pending: dict[str, asyncio.Task[Widget | None]] = {}


def size() -> int:
    """Entries kept now (both kinds): bounded by MAX_KNOWN + MAX_UNKNOWN."""
    return len(_known.entries) + len(_unknown.entries)


def kept(public_id: str) -> bool:
    """Whether a lookup of ``public_id`` would be answered from the cache now."""
    now = time.monotonic()
    return any(cache.get(public_id, now)[0] for cache in (_known, _unknown))


async def _lookup(public_id: str) -> Widget | None:
    widget = await database_sync_to_async(Widget.objects.live)(public_id)
    if _pending.get(public_id) is asyncio.current_task():  # not forgotten while the query ran
        (_known if widget is not None else _unknown).put(public_id, widget, time.monotonic())
    return widget


def _finished(public_id: str, task: asyncio.Task[Widget | None]) -> None:
    if _pending.get(public_id) is task:
        del _pending[public_id]
    if not task.cancelled():
        task.exception()  # retrieved here: a failure nobody waited for is not an "unretrieved" warning


async def live_widget(public_id: str) -> Widget | None:
    """The enabled widget with this public id (a copy of its own for the caller), or None."""
    now = time.monotonic()
    for kept in (_known, _unknown):
        found, widget = kept.get(public_id, now)
        if found:
            return copy.copy(widget)
    task = _pending.get(public_id)
    if task is None:
        task = _pending[public_id] = asyncio.ensure_future(_lookup(public_id))
        task.add_done_callback(lambda done: _finished(public_id, done))
    return copy.copy(await asyncio.shield(task))


def forget(public_id: str) -> None:
    """The widget changed: drop what is kept, and let a lookup already running keep nothing."""
    _known.pop(public_id)
    _unknown.pop(public_id)
    _pending.pop(public_id, None)
