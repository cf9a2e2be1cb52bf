"""Where the worker's output goes: the state store (for snapshots) and channel-layer groups (for changes)."""

from __future__ import annotations

import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from feed import metrics
from feed.protocol.browser import BrowserMessage
from feed.protocol.events import FeedEvent, HopTimes, Position
from feed.store import FeedStore

log = logging.getLogger("feed.worker")


class Publisher:
    """Writes state and broadcasts changes; keeps streaming while the store or the layer is down.

    Every event carries (epoch, seq) per group so a web process can tell it missed one
    (a Redis restart drops pub/sub messages silently) and resync its viewers.
    """

    def __init__(self, store: FeedStore, layer: Any, whole_state: Callable[[], dict[str, Any]]) -> None:
        self.store = store
        self.layer = layer
        self.whole_state = whole_state  # everything to write again when the store comes back
        self.store_down = False
        self.recovered = False  # set when the store came back; the status report announces "live" again
        self.epoch = uuid.uuid4().hex[:12]
        self._seq: dict[str, int] = defaultdict(int)

    async def save(self, items: dict[str, Any]) -> None:
        """Write to the store; while it is down, log once and keep streaming."""
        try:
            await self.store.set_many(items)
        except Exception as error:
            if not self.store_down:
                log.warning("state store unavailable (%s); snapshots will be stale", type(error).__name__)
            self.store_down = True
            return
        if self.store_down:
            log.info("state store reachable again")
            self.store_down = False
            await self.store.set_many(self.whole_state())
            self.recovered = True

    async def broadcast(self, group: str, message: BrowserMessage, hops: HopTimes | None = None) -> None:
        """Send ``message`` to ``group``, encoded once; ``hops`` give web processes per-hop latency."""
        self._seq[group] += 1  # counted even if the send fails: the gap is what tells web processes
        event = FeedEvent.of(message, group, time.time(), Position(self.epoch, self._seq[group]), hops)
        try:
            await self.layer.group_send(group, event.encode())
            metrics.BROADCASTS.labels(event.kind.value).inc()
        except Exception as error:  # Redis down: the store keeps the state; viewers resync on "live"
            if not self.store_down:
                log.warning("broadcast to %s failed: %s", group, type(error).__name__)
