"""Per-process fan-out of feed messages to the widget sockets of this process.

Channels' default pattern (every socket joins every channel-layer group) costs a
queue, a task wake-up and a dispatch per viewer per message. Here each web process
joins each group once, with one channel of its own, and hands every message to its
local sockets in a plain loop: the channel layer (Redis pub/sub in scale-out) still
carries messages between processes, one copy per process instead of one per viewer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from typing import Any, Protocol

from channels.layers import get_channel_layer

from feed import metrics

log = logging.getLogger("widget.fanout")


class Member(Protocol):
    async def deliver(self, event: dict[str, Any]) -> None: ...

    async def resync(self) -> None: ...


class LocalFanout:
    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.members: dict[str, set[Member]] = defaultdict(set)
        self.channel: str | None = None
        self.reader: asyncio.Task | None = None
        self.lock = asyncio.Lock()

    async def join(self, groups: list[str], member: Member) -> None:
        async with self.lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel("widgets.")
                self.reader = asyncio.create_task(self._read(), name="widget-fanout")
            for group in groups:
                if not self.members[group]:
                    await self.layer.group_add(group, self.channel)
                self.members[group].add(member)

    async def leave(self, groups: list[str], member: Member) -> None:
        async with self.lock:
            for group in groups:
                members = self.members.get(group)
                if members is None:
                    continue
                members.discard(member)
                if not members:
                    del self.members[group]
                    if self.channel is not None:
                        try:
                            await self.layer.group_discard(group, self.channel)
                        except Exception as error:  # Redis down: the subscription dies with it anyway
                            log.warning("could not leave %s: %s", group, type(error).__name__)

    async def _read(self) -> None:
        failed = False
        while True:
            try:
                event = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the channel layer is unreachable: wait and retry
                if not failed:
                    log.warning("channel layer receive failed (%s); retrying", type(error).__name__)
                failed = True
                await asyncio.sleep(0.5)
                continue
            if failed:
                # Messages may have been lost while the layer was away: every viewer resyncs.
                failed = False
                await self._everyone("resync")
            members = list(self.members.get(event.get("group"), ()))
            for member in members:
                try:
                    await member.deliver(event)
                except Exception:
                    log.exception("delivering to a widget socket failed")
            # Counted once per message, not per viewer: the loop above is the hot path.
            metrics.MESSAGES_SENT.inc(len(members))
            if "sent" in event:
                metrics.SEND_LAG.observe(max(0.0, time.time() - event["sent"]))

    async def _everyone(self, method: str) -> None:
        members = {member for group in self.members.values() for member in group}
        for member in members:
            try:
                await getattr(member, method)()
            except Exception:
                log.exception("widget socket %s failed", method)


_fanouts: dict[int, LocalFanout] = {}


def local_fanout() -> LocalFanout:
    """The fan-out of the running event loop (one per process in daphne)."""
    key = id(asyncio.get_running_loop())
    fanout = _fanouts.get(key)
    if fanout is None:
        fanout = _fanouts[key] = LocalFanout(get_channel_layer())
    return fanout
