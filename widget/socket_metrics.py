"""What this process's widget sockets hold, read by /metrics at each scrape.

``OPEN_SOCKETS`` (the daphne sockets, for the bytes queued to viewers) and ``CONSUMERS``
(every widget consumer still in memory: after a burst of short-lived sockets this must
come back down to the open ones) are weak, so counting never keeps anything alive.
"""

from __future__ import annotations

import weakref
from typing import Any

from feed import metrics
from widget import widget_cache
from widget.daphne_fastpath import WidgetSocket

OPEN_SOCKETS: weakref.WeakSet[WidgetSocket] = weakref.WeakSet()
CONSUMERS: weakref.WeakSet[Any] = weakref.WeakSet()


def queued_bytes() -> int:
    """Bytes written to this process's widget sockets that the kernel has not taken yet."""
    return sum(socket.backlog() or 0 for socket in list(OPEN_SOCKETS) if socket.is_open())


metrics.QUEUED_BYTES.set_function(queued_bytes)
metrics.WIDGET_CONSUMERS_ALIVE.set_function(lambda: len(CONSUMERS))
metrics.WIDGET_CACHE_ENTRIES.set_function(widget_cache.size)
