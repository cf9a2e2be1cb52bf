"""Per-process fan-out of feed messages to the widget sockets of this process.

Channels' default pattern (every socket joins every channel-layer group) costs a
queue, a task wake-up and a dispatch per viewer per message. Here each web process
joins each group once, with one channel of its own, and hands every message to its
local sockets in a plain loop: the channel layer (Redis pub/sub in scale-out) still
carries messages between processes, one copy per process instead of one per viewer.

Redis pub/sub drops whatever is published while a subscriber is reconnecting, and
channels-redis hides the reconnect. The worker numbers its events per group
(``Position``: epoch, seq); a gap or a new epoch means this process missed something,
and the viewers of that group get a fresh snapshot (at most one per viewer per
``RESYNC_DEBOUNCE`` seconds of ``clock``, which tests replace). A group with no event
since this process joined it has no number to compare with, so a reconnect of the
subscriber connection (``layer_reconnects``) resyncs every viewer at the next event,
which the worker sends after it has saved the state that snapshot is read from.

The hub sends every game in the same 500 ms tick, so several messages reach a process
together. Reading and sending are separate tasks: whatever arrived while the sender was
busy, or within ``GATHER_SECONDS`` of the first, goes out as one frame per viewer (a
JSON array of messages), built once for all the viewers that watch the same subset,
instead of one socket write per message.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import defaultdict
from collections.abc import Callable
from typing import Any, Protocol

from channels.layers import get_channel_layer

from feed import metrics
from feed.protocol.events import EventKind, FeedEvent, Position
from feed.protocol.schema import ProtocolError
from widget.frames import Frame
from widget.hop_times import observe_hops
from widget.layer_reconnects import ReconnectWatch
from widget.snapshot_cache import SnapshotCache

log = logging.getLogger("widget.fanout")

RESYNC_DEBOUNCE = 2.0  # seconds
# How long the sender waits, after a message arrives, for the rest of the same hub push:
# 2 ms cut a viewer's frames by 30 % (docs/benchmarks.md, fewer writes per message).
GATHER_SECONDS = 0.002


class Member(Protocol):
    def deliver_now(self, frame: Frame) -> bool | None: ...

    async def deliver(self, frame: Frame) -> int: ...

    async def resync(self) -> bool: ...

    async def reconfigure(self, event: FeedEvent) -> None: ...


Arrival = tuple[FeedEvent, float]  # an event and when this process read it (Unix seconds)


class LocalFanout:
    def __init__(self, layer: Any, clock: Callable[[], float] = time.monotonic) -> None:
        self.layer = layer
        self.clock = clock  # monotonic seconds, for the resync debounce
        self.members: dict[str, set[Member]] = defaultdict(set)
        self.channel: str | None = None
        self.reader: asyncio.Task | None = None
        self.sender: asyncio.Task | None = None
        self.pending: list[Arrival] = []
        self.arrived = asyncio.Event()
        self.layer_failed = False
        self.lock = asyncio.Lock()
        self.positions: dict[str, Position] = {}  # group -> position of its last event
        self.refused: set[str] = set()  # reasons already logged for events that are not the protocol
        # Weakly: a member that closes mid-resync must not be kept alive by its entry.
        self.resynced_at: weakref.WeakKeyDictionary[Member, float] = weakref.WeakKeyDictionary()
        # Snapshots shared by viewers joining together; a new generation with every event.
        self.snapshots = SnapshotCache()
        self.reconnects = ReconnectWatch()

    async def join(self, groups: list[str], member: Member) -> None:
        async with self.lock:
            if self.channel is None:
                # The default prefix: the core Redis layer receives all of a process's
                # channels with one BZPOPMIN on that prefix, and starves any other.
                self.channel = await self.layer.new_channel()
                self.reader = asyncio.create_task(self._read(), name="widget-fanout-read")
                self.sender = asyncio.create_task(self._send(), name="widget-fanout-send")
            for group in groups:
                if not self.members[group]:
                    await self.layer.group_add(group, self.channel)
                    self.snapshots.invalidate()  # what was read before may predate this group's events
                    self.reconnects.register(self.layer, self._layer_reconnected)
                self.members[group].add(member)

    def _layer_reconnected(self, connection: Any) -> None:
        """redis-py made the subscriber connection again: what was published meanwhile is lost."""
        log.info("channel layer reconnected to Redis; viewers resync at the next event")
        self.layer_failed = True

    async def leave(self, groups: list[str], member: Member) -> None:
        await self.unsubscribe(self._remove(member, groups))

    def drop(self, member: Member) -> list[str]:
        """Take ``member`` out of every group at once (nothing awaited); the groups left empty.

        Used when a socket closes, or its connect fails half-way: whatever it joined, it is
        gone from the fan-out before anything else can run. ``unsubscribe`` then leaves the
        emptied groups on the channel layer.
        """
        return self._remove(member, list(self.members))

    def _remove(self, member: Member, groups: list[str]) -> list[str]:
        """``member`` out of ``groups`` (nothing awaited); the groups it leaves empty."""
        self.resynced_at.pop(member, None)
        emptied = []
        for group in groups:
            members = self.members.get(group)
            if members is None or member not in members:
                continue
            members.discard(member)
            if not members:
                del self.members[group]
                self.positions.pop(group, None)
                emptied.append(group)
        return emptied

    async def unsubscribe(self, groups: list[str]) -> None:
        """Leave ``groups`` on the channel layer, unless somebody joined them again meanwhile."""
        async with self.lock:
            for group in groups:
                if self.members.get(group) or self.channel is None:
                    continue
                try:
                    await self.layer.group_discard(group, self.channel)
                except Exception as error:  # Redis down: the subscription dies with it anyway
                    log.warning("could not leave %s: %s", group, type(error).__name__)

    async def _read(self) -> None:
        failed = False
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the channel layer is unreachable: wait and retry
                if not failed:
                    log.warning("channel layer receive failed (%s); retrying", type(error).__name__)
                failed = True
                await asyncio.sleep(0.5)
                continue
            if failed:
                failed = False
                self.layer_failed = True  # messages may have been lost: every viewer resyncs
            arrived = time.time()
            self.snapshots.invalidate()  # a snapshot read before this event must not be shared after it
            try:
                self.pending.append((FeedEvent.decode(message), arrived))
            except ProtocolError as error:
                if str(error) not in self.refused and len(self.refused) < 50:
                    self.refused.add(str(error))
                    log.warning("ignored a channel-layer event that is not the protocol: %s", error)
                continue
            self.arrived.set()

    async def _send(self) -> None:
        while True:
            await self.arrived.wait()
            # Let the reader take the rest of this tick: the worker sends a hub push's messages
            # at once, but they reach this process over a few hundred microseconds.
            await asyncio.sleep(GATHER_SECONDS)
            self.arrived.clear()
            batch, self.pending = self.pending, []
            try:
                await self._dispatch(batch)
            except Exception:
                log.exception("widget fan-out failed for a batch of %d messages", len(batch))

    async def _dispatch(self, arrivals: list[Arrival]) -> None:
        changes = [event for event, _ in arrivals if event.kind is EventKind.CONFIG]
        if changes:  # admin changes: each socket of that widget handles it itself (rare)
            arrivals = [arrival for arrival in arrivals if arrival[0].kind is not EventKind.CONFIG]
            await self._reconfigure(changes)
        if self.layer_failed:
            self.layer_failed = False
            await self._resync(list({member for group in self.members.values() for member in group}))
        batch = [event for event, _ in arrivals]
        for event in batch:
            group = event.group
            if self._missed_some(group, event):
                members = list(self.members.get(group, ()))
                log.info("missed feed messages on %s; resyncing %d viewers", group, len(members))
                await self._resync(members)
        sent = 0
        started = time.time()
        first_write = None
        for member, frame in self._frames(batch):
            try:
                # Most sockets are written synchronously; the rest take the async path.
                done = member.deliver_now(frame)
                if done is None:
                    sent += await member.deliver(frame)
                elif done:
                    sent += frame.messages
            except Exception:
                log.exception("delivering to a widget socket failed")
            if first_write is None:
                first_write = time.time()
        # Counted once per batch, not per viewer: the loop above is the hot path.
        metrics.MESSAGES_SENT.inc(sent)
        now = time.time()
        for event, arrived in arrivals:
            metrics.SEND_LAG.observe(max(0.0, now - event.sent))
            observe_hops(event, arrived, started, first_write or now, now)

    async def _reconfigure(self, changes: list[FeedEvent]) -> None:
        for event in changes:
            for member in list(self.members.get(event.group, ())):
                try:
                    await member.reconfigure(event)
                except Exception:
                    log.exception("reconfiguring a widget socket failed")

    def _frames(self, batch: list[FeedEvent]) -> list[tuple[Member, Frame]]:
        """Each viewer's frame for this batch, built once: viewers that watch the same subset share one."""
        singles = [Frame.of(event) for event in batch]
        if len(batch) == 1:
            return [(member, singles[0]) for member in self.members.get(batch[0].group, ())]
        picked: dict[Member, list[int]] = {}
        for index, event in enumerate(batch):
            for member in self.members.get(event.group, ()):
                picked.setdefault(member, []).append(index)
        shared: dict[tuple[int, ...], Frame] = {}
        frames = []
        for member, indexes in picked.items():
            key = tuple(indexes)
            frame = shared.get(key)
            if frame is None:
                frame = shared[key] = Frame.combine([singles[index] for index in indexes])
            frames.append((member, frame))
        return frames

    def _missed_some(self, group: str, event: FeedEvent) -> bool:
        """Record the event's position; True if events of this group were lost before it."""
        position = event.position
        if position is None:
            return False
        previous = self.positions.get(group)
        self.positions[group] = position
        if previous is None:
            return False  # first event since this process joined the group
        return not position.follows(previous)

    async def _resync(self, members: list[Member]) -> None:
        # A Redis restart opens a gap in every group at once: one snapshot per viewer is enough.
        now = self.clock()
        for member in members:
            if now - self.resynced_at.get(member, -RESYNC_DEBOUNCE) < RESYNC_DEBOUNCE:
                continue
            self.resynced_at[member] = now
            try:
                brought_up_to_date = await member.resync()
            except Exception:
                log.exception("widget socket resync failed")
                brought_up_to_date = False
            if not brought_up_to_date:  # the next gap tries again, debounce or not
                self.resynced_at.pop(member, None)


# Keyed by the loop object (a new loop that reuses a dead one's address never gets the dead
# one's fan-out); closed loops (tests run many) are pruned on the next lookup.
_fanouts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LocalFanout] = weakref.WeakKeyDictionary()


def local_fanout() -> LocalFanout:
    """The fan-out of the running event loop (one per process in daphne)."""
    loop = asyncio.get_running_loop()
    for closed in [other for other in _fanouts if other.is_closed()]:
        del _fanouts[closed]  # its tasks hold the loop, so the weak key alone never lets go
    fanout = _fanouts.get(loop)
    if fanout is None:
        fanout = _fanouts[loop] = LocalFanout(get_channel_layer())
    return fanout
