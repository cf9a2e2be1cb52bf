"""Garbage collection for processes that hold thousands of sockets.

Two costs pull against each other. A full (generation 2) collection walks every object
the process tracks while no viewer gets an update, and a process with thousands of
sockets tracks millions, so full collections must be rare: objects loaded at start-up
are frozen out of the collector and CPython's own trigger for them is spaced out. But
every closed connection leaves reference cycles inside daphne, Twisted and autobahn
(protocol, transport, request, deferreds: ~60 objects, ~28 KB) that only a full
collection frees, so under churn (viewers coming and going) garbage would pile up.

So full collections follow the closes that make the garbage: after ``closed`` sockets
have closed since the last one, where ``closed`` is at least ``MIN_CLOSED`` and half
the sockets still open. Each collection walks about as many objects as the open sockets
hold, once per half as many closes: constant work per closed socket, and the garbage
waiting at any time is bounded by ``MIN_CLOSED`` or half the open sockets, whichever
is larger. The pauses are a metric either way.
"""

from __future__ import annotations

import asyncio
import gc
import time

from feed import metrics

# No logging here: a collection can start inside any code, logging's own included.
_started: dict[int, float] = {}


def _on_collection(phase: str, info: dict) -> None:
    generation = info["generation"]
    if phase == "start":
        _started[generation] = time.perf_counter()
        return
    began = _started.pop(generation, None)
    if began is None:
        return
    pause = time.perf_counter() - began
    metrics.GC_PAUSE.labels(str(generation)).observe(pause)


# CPython's defaults are (700, 10, 10); closed sockets trigger the full collections instead.
THRESHOLDS = (700, 10, 1000)
MIN_CLOSED = 500


def tune_gc() -> None:
    """Freeze what start-up loaded, space out full collections, time every pause (idempotent)."""
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    if _on_collection not in gc.callbacks:
        gc.callbacks.append(_on_collection)


class CloseDrivenCollector:
    """Counts closed connections and runs a full collection when enough have closed."""

    def __init__(self, min_closed: int = MIN_CLOSED) -> None:
        self.min_closed = min_closed
        self.closed = 0
        self.scheduled = False

    def due(self, still_open: int) -> bool:
        return self.closed >= max(self.min_closed, still_open // 2)

    def connection_closed(self, still_open: int) -> None:
        """One connection closed, ``still_open`` remain; collect soon if enough garbage may be waiting."""
        self.closed += 1
        if self.due(still_open) and not self.scheduled:
            self.scheduled = True
            # On a later loop turn: not inside the disconnect handler that got us here.
            asyncio.get_running_loop().call_soon(self.collect)

    def collect(self) -> None:
        self.scheduled = False
        self.closed = 0
        gc.collect()


closes = CloseDrivenCollector()
