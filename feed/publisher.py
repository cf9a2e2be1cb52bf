"""Where the worker's output goes: the state store (for snapshots) and channel-layer groups (for changes)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
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
        # Inside ``together()``: what is saved and broadcast, held until its end.
        self._held_items: dict[str, Any] | None = None
        self._held_messages: list[tuple[str, BrowserMessage, HopTimes | None]] = []

    @contextlib.asynccontextmanager
    async def together(self) -> AsyncIterator[None]:
        """Hold every save and broadcast made inside, and send them at its end, at once.

        One hub push changes several games (and ends rounds) in the same tick. Sent one
        after the other, each waiting for its Redis round trip, they reached a web process
        in separate reads, and each viewer got a frame per game and per result. Held and
        sent together (the store in one write, the broadcasts issued at once), a web process
        reads them in one batch and writes each viewer one frame for the push. Order is
        kept: every save before any broadcast, and each group's broadcasts in order; a
        broadcast's sequence number is taken when it is sent, so one another task sends
        while the store is written still comes out in order.

        The hold belongs to the publisher, not to the task that opened it: the block must
        not wait on anything (a push's saves and broadcasts inside it return at once), or
        other tasks' messages would be held with it.
        """
        if self._held_items is not None:
            yield  # nested: the outermost sends
            return
        self._held_items, self._held_messages = {}, []
        try:
            yield
        finally:
            items, held = self._held_items, self._held_messages
            self._held_items, self._held_messages = None, []
            try:
                if items:
                    await self._save_now(items)
            finally:  # whatever became of the store, the push's changes go to the viewers
                by_group: dict[str, list[tuple[BrowserMessage, HopTimes | None]]] = defaultdict(list)
                for group, message, hops in held:
                    by_group[group].append((message, hops))
                await asyncio.gather(*(self._send_in_order(group, queued) for group, queued in by_group.items()))

    async def _send_in_order(self, group: str, messages: list[tuple[BrowserMessage, HopTimes | None]]) -> None:
        for message, hops in messages:
            await self._send_now(group, message, hops)

    async def save(self, items: dict[str, Any]) -> None:
        """Write to the store; while it is down, log once and keep streaming."""
        if self._held_items is not None:
            self._held_items.update(items)
            return
        await self._save_now(items)

    async def _save_now(self, items: dict[str, Any]) -> None:
        try:
            await self.store.set_many(items)
            if self.store_down:
                log.info("state store reachable again")
                await self.store.set_many(self.whole_state())
                self.store_down = False
                self.recovered = True
        except Exception as error:
            if not self.store_down:
                log.warning("state store unavailable (%s); snapshots will be stale", type(error).__name__)
            self.store_down = True

    async def broadcast(self, group: str, message: BrowserMessage, hops: HopTimes | None = None) -> None:
        """Send ``message`` to ``group``, encoded once; ``hops`` give web processes per-hop latency."""
        if self._held_items is not None:
            self._held_messages.append((group, message, hops))
            return
        await self._send_now(group, message, hops)

    async def _send_now(self, group: str, message: BrowserMessage, hops: HopTimes | None) -> None:
        self._seq[group] += 1  # counted even if the send fails: the gap is what tells web processes
        event = FeedEvent.of(message, group, time.time(), Position(self.epoch, self._seq[group]), hops)
        try:
            await self.layer.group_send(group, event.encode())
            metrics.BROADCASTS.labels(event.kind.value).inc()
        except Exception as error:  # Redis down: the store keeps the state; viewers resync on "live"
            if not self.store_down:
                log.warning("broadcast to %s failed: %s", group, type(error).__name__)
