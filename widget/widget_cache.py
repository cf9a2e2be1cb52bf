"""Widget rows per process for socket connects: one query per widget, not one per viewer.

When a web process restarts, thousands of viewers of the same few widgets reconnect
within seconds; a query each (through Django's one database thread) made them wait
behind each other for minutes. A looked-up widget (or "no such widget") is kept for
``KEEP_FOR`` seconds, concurrent lookups of the same id share one query, and a save in
this process or a ``config`` message from another (live_config) drops it at once.
"""

from __future__ import annotations

import asyncio
import copy
import time

from channels.db import database_sync_to_async

from widget.models import Widget

KEEP_FOR = 5.0  # seconds: how stale a process that has no viewers of a changed widget may be

_kept: dict[str, tuple[float, Widget | None]] = {}
_pending: dict[str, asyncio.Future[Widget | None]] = {}


async def live_widget(public_id: str) -> Widget | None:
    """The enabled widget with this public id (a copy of its own for the caller), or None."""
    kept = _kept.get(public_id)
    if kept is not None and time.monotonic() - kept[0] < KEEP_FOR:
        return copy.copy(kept[1])
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
        _kept[public_id] = (time.monotonic(), widget)
        pending.set_result(widget)
        return copy.copy(widget)
    return copy.copy(await asyncio.shield(pending))


def forget(public_id: str) -> None:
    _kept.pop(public_id, None)
