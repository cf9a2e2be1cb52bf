"""How feed frames and snapshots reach one widget socket (the consumer's side of the fan-out).

``deliver_now`` is the fan-out's synchronous hot path (a direct write, no coroutine per
viewer); ``deliver`` handles the rest: Save-Data (jackpots at most every
``LITE_JACKPOT_INTERVAL`` seconds, filtered message by message in a combined frame), a
viewer that stopped reading (updates dropped past ``MAX_BACKLOG_BYTES``, then one
snapshot when it drains) and sockets on daphne's fallback path.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from feed import metrics
from feed.protocol.browser import encode
from feed.protocol.events import EventKind
from feed.snapshot import read_snapshot_message
from feed.store import get_store
from widget.daphne_fastpath import WidgetSocket
from widget.fanout import local_fanout
from widget.frames import Frame
from widget.models import Widget
from widget.socket_limits import MAX_BACKLOG_BYTES

log = logging.getLogger("widget.socket")

LITE_JACKPOT_INTERVAL = 30.0
MAX_HELD = 64  # frames a joining viewer may wait with for its first snapshot


class FeedDelivery:
    clock: Callable[[], float] = staticmethod(time.monotonic)  # monotonic seconds (Save-Data spacing)
    widget: Widget | None = None
    socket: WidgetSocket | None = None
    game_types: list[int]
    language: str
    paused: bool
    lite: bool
    behind: bool
    closed: bool
    last_jackpots: float
    # Until its first snapshot is sent, a viewer's updates wait behind it (in order), so the
    # browser never gets a change before the state it applies to.
    starting: bool = True
    held: list[Frame] | None = None

    async def send_snapshot(self) -> bool:
        """Send the widget's current state; False when the state store could not be read."""
        if self._stalled():
            self._stop_holding()
            return True  # a client asking for snapshots it does not read must not grow our buffers
        assert self.widget is not None
        game_types, language = tuple(self.game_types), self.language
        currency, default_language = self.widget.currency, self.widget.language

        async def read() -> Frame:
            snapshot = await read_snapshot_message(get_store(), game_types, language, currency, default_language)
            return Frame(encode(snapshot))

        try:
            # Viewers joining together with the same settings share one read (a restart's reconnects).
            frame = await local_fanout().snapshots.frame((game_types, language, currency, default_language), read)
        except Exception as error:  # Redis away: keep the socket; the feed's next "live" resyncs
            log.warning("snapshot unavailable: %s", type(error).__name__)
            return False
        if self.socket is None:
            return True  # the viewer left while the snapshot was read
        # Through the adapter: a viewer that gave up while the snapshot was read is skipped quietly.
        await self.socket.send_frame(frame)
        metrics.MESSAGES_SENT.inc()
        # What arrived while the snapshot was read follows it; more may arrive meanwhile.
        while self.held and self.socket is not None:
            await self.socket.send_frame(self.held.pop(0))
        self._stop_holding()
        return True

    def _stop_holding(self) -> None:
        self.starting = False
        self.held = None

    def deliver_now(self, frame: Frame) -> bool | None:
        """The fan-out's hot path, without a coroutine per viewer: True if written, False if
        not for this viewer now, None when ``deliver`` must decide (Save-Data, a resync due,
        or a socket that does not take direct writes)."""
        if self.paused:
            return False
        socket = self.socket
        if self.starting or self.lite or self.behind or socket is None or socket.mode != "direct":
            return None
        written = socket.write_if_idle(frame)
        if written is not None:
            return written
        if self._stalled(frame.messages):
            return False
        socket.queue_behind(frame)  # busy but under the cap: after what it already holds
        return True

    async def deliver(self, frame: Frame) -> int:
        """A feed frame from the local fan-out, already serialized; how many of its messages were sent
        (0 when none, or when a snapshot replaced them: the snapshot counts itself)."""
        if self.paused:
            return 0
        if self.lite and frame.parts:  # Save-Data filters jackpots message by message
            return sum([await self.deliver(part) for part in frame.parts])
        if self.lite and frame.is_kind(EventKind.JACKPOTS):
            now = self.clock()
            if now - self.last_jackpots < LITE_JACKPOT_INTERVAL:
                return 0
            self.last_jackpots = now
        if self.starting:
            if self.held is None:
                self.held = []
            if len(self.held) >= MAX_HELD:  # the snapshot is slow: one more will replace them all
                self.held.clear()
                self.behind = True
            self.held.append(frame)
            return frame.messages
        if self._stalled(frame.messages):
            return 0
        if self.behind:
            self.behind = False
            await self.send_snapshot()  # the latest state replaces every dropped update
            return 0
        if self.socket is None:
            return 0  # closed while this batch was being written
        await self.socket.send_frame(frame)
        return frame.messages

    def _backlog(self) -> int | None:
        return self.socket.backlog() if self.socket is not None else None

    def _stalled(self, messages: int = 1) -> bool:
        """True (and ``messages`` counted as dropped) while too much is queued for this viewer."""
        backlog = self._backlog()
        if backlog is None or backlog <= MAX_BACKLOG_BYTES:
            return False
        self.behind = True
        metrics.MESSAGES_DROPPED.inc(messages)
        return True

    async def resync(self) -> bool:
        """A fresh snapshot after a gap; False when the store could not be read for it."""
        if self.paused or self.closed:
            return True  # nothing to bring up to date: resume sends its own snapshot
        return await self.send_snapshot()
