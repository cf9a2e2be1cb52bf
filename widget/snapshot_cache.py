"""One snapshot read and framing shared by the viewers of a widget that join at the same moment.

When a web process restarts, thousands of viewers reconnect within seconds, and each
wants the same snapshot (same game types, language and currency): read from the state
store, decoded, encoded and framed once per viewer, that is most of what a connect costs.
Here one read serves every viewer that asks for the same snapshot within ``KEEP_FOR``
seconds, so the snapshot's ``now`` is at most that old when sent.

A shared snapshot must never be older than what its viewer will hear next from the
fan-out, or a change in between would be lost for that viewer. So the cache belongs to
the process's fan-out, which moves it to a new generation whenever a feed event reaches
the process or the process subscribes to a group it did not hear before; a read started
in an older generation is never handed to a later viewer.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

from widget.frames import Frame

KEEP_FOR = 0.1  # seconds: bounds how stale a shared snapshot's clock ("now") may be
MAX_ENTRIES = 256  # distinct snapshots (widget settings by language) kept at once


class SnapshotCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.generation = 0
        # key -> (generation, started at, the read shared by its callers)
        self._reads: OrderedDict[Hashable, tuple[int, float, asyncio.Task[Frame]]] = OrderedDict()

    def invalidate(self) -> None:
        """Something may have changed: reads from now on start afresh."""
        self.generation += 1
        self._reads.clear()

    async def frame(self, key: Hashable, read: Callable[[], Awaitable[Frame]]) -> Frame:
        """The snapshot frame for ``key``: a read still fresh in this generation, or a new one.

        The read runs in a task of its own, so a viewer that leaves while waiting cancels
        only its own wait; a failed read is not kept (the next viewer tries again).
        """
        now = self.clock()
        entry = self._reads.get(key)
        if entry is not None and entry[0] == self.generation and now - entry[1] < KEEP_FOR:
            task = entry[2]
        else:
            task = asyncio.ensure_future(read())
            self._reads[key] = (self.generation, now, task)
            self._reads.move_to_end(key)
            while len(self._reads) > MAX_ENTRIES:
                self._reads.popitem(last=False)
            task.add_done_callback(lambda done: self._forget_failed(key, done))
        return await asyncio.shield(task)

    def _forget_failed(self, key: Hashable, task: asyncio.Task[Frame]) -> None:
        if task.cancelled() or task.exception() is not None:
            entry = self._reads.get(key)
            if entry is not None and entry[2] is task:
                del self._reads[key]

    def __len__(self) -> int:
        return len(self._reads)
