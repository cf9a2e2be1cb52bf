"""Each web process's audience figures, batched: viewer samples every ``SLOT`` seconds and taps on Play.

Nothing is written per viewer or per tap: a process keeps a ``Batch`` and writes it at
most every ``FLUSH_EVERY`` seconds, one pipeline (or one transaction) for all its widgets.
A write that fails is kept for the next (bounded: the oldest goes first), so a short
Redis or database outage costs nothing; a killed process loses at most one interval.
``Recorder.tick()`` is the unit of work tests call with their own clock.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Callable

from play.figures import KEEP, Batch, bucket_of, slot_of
from play.stores import AudienceStore, audience_store
from widget import viewer_count

log = logging.getLogger("play.audience")

FLUSH_EVERY = 2.0
MAX_PENDING = 20_000  # entries kept across failed writes (widgets x slots or game types x buckets)


class Recorder:
    def __init__(
        self,
        store: Callable[[], AudienceStore] = audience_store,
        counts: Callable[[], dict[str, int]] = viewer_count.local_counts,
        started: float | None = None,
    ) -> None:
        self.store, self.counts = store, counts
        self.pending = Batch()
        # The slot this process started in is not sampled: a process it replaced may have
        # sampled it already, with the same viewers that reconnect here.
        self.sampled_slot: int | None = slot_of(time.time() if started is None else started)
        self.failing = False

    def tap(self, public_id: str, game_type: int, now: float) -> None:
        self.pending.taps[(public_id, game_type, bucket_of(now))] += 1

    def sample(self, now: float) -> None:
        """This process's viewers, once per slot (the first tick after the slot starts)."""
        slot = slot_of(now)
        if slot == self.sampled_slot:
            return
        self.sampled_slot = slot
        for public_id, viewers in self.counts().items():
            if viewers > 0:
                key = (public_id, slot)
                self.pending.viewers[key] = self.pending.viewers.get(key, 0) + viewers

    async def tick(self, now: float) -> bool:
        """Sample if a slot began, then write what is pending; True if something was written."""
        self.sample(now)
        if not self.pending:
            return False
        batch, self.pending = self.pending, Batch()
        try:
            await self.store().write(batch)
        except Exception as error:  # kept for the next tick
            if not self.failing:
                log.warning("could not store audience figures (%s); keeping them for later", type(error).__name__)
            self.failing = True
            batch.merge(self.pending)
            batch.drop_before(bucket_of(now - KEEP))
            if batch.size() > MAX_PENDING:
                batch.viewers = dict(sorted(batch.viewers.items(), key=lambda item: item[0][1])[-MAX_PENDING // 2 :])
            self.pending = batch
            return False
        if self.failing:
            log.info("audience figures reach their store again")
        self.failing = False
        return True


recorder = Recorder()
_tasks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task] = weakref.WeakKeyDictionary()


def wake() -> None:
    """Make sure this process records (called when a viewer joins and on a tap); idempotent."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    task = _tasks.get(loop)
    if task is None or task.done():
        _tasks[loop] = loop.create_task(_record_forever(), name="play-audience")


async def _record_forever() -> None:
    while True:
        await asyncio.sleep(FLUSH_EVERY)
        await recorder.tick(time.time())
