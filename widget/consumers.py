"""The widget's WebSocket: a snapshot on join, then the feed's changes as they happen.

Client messages the protocol defines (anything else is ignored and rate-limited):
``{"type": "resync"}`` (send a fresh snapshot), ``{"type": "pause"}`` /
``{"type": "resume"}`` (page hidden or ticker paused: stop / restart updates, resume
resyncs), ``{"type": "lite", "on": true}`` (Save-Data: jackpot updates at most every 30 s),
``{"type": "tap", "t": 3}`` (the viewer tapped Play on game type 3; play/taps.py counts it).
"""

from __future__ import annotations

import json
import logging
import time
import weakref
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from feed import gcwatch, metrics
from feed.snapshot import read_snapshot
from feed.store import get_store
from feed.widget_protocol import STATUS_GROUP, encode, group_for_game, group_for_jackpots, group_for_names
from play import taps
from widget import viewer_count, widget_cache
from widget.daphne_fastpath import WidgetSocket
from widget.fanout import local_fanout
from widget.live_config import config_group
from widget.models import Widget
from widget.socket_origin import origin_allowed

log = logging.getLogger("widget.socket")

CLOSE_UNKNOWN_WIDGET = 4404
# Application close codes live in 4000-4999 (autobahn refuses 1009 or 1013 from a server).
CLOSE_TOO_BIG = 4413
CLOSE_TOO_CHATTY = 4429
MAX_CLIENT_FRAME = 1024
CLIENT_MESSAGES_PER_SECOND = 2.0
CLIENT_BURST = 10.0
LITE_JACKPOT_INTERVAL = 30.0
CLOSE_UNAVAILABLE = 4503  # try again later: the database could not be reached
# A viewer that stops reading (a stalled phone) gets no more updates once this much is
# queued for it; when it drains, one fresh snapshot replaces everything it missed.
MAX_BACKLOG_BYTES = 64 * 1024
# And the kernel holds at most this much (Linux doubles it for bookkeeping) instead of
# growing its buffer up to net.ipv4.tcp_wmem's maximum. A widget sends a few KB a
# minute and a snapshot of a few KB, so even a 300 ms mobile link is not slowed by it.
KERNEL_SEND_BUFFER = 32 * 1024

CLOSE_OFFLINE = 4410  # the widget was switched off (or its page's origin removed) in the admin
CLOSE_TOO_MANY = 4408  # this address already holds as many widget sockets as allowed

# Open widget sockets per client address in this process: one address may not hold more
# than WIDGET_SOCKETS_PER_CLIENT (nginx limits per address across processes in front).
SOCKETS_PER_ADDRESS: dict[str, int] = {}


def client_address(scope: dict[str, Any]) -> str:
    client = scope.get("client") or ("", 0)
    return str(client[0])


# The daphne sockets of this process, for the queued-bytes gauge read at each scrape.
OPEN_SOCKETS: weakref.WeakSet[WidgetSocket] = weakref.WeakSet()


def queued_bytes() -> int:
    """Bytes written to this process's widget sockets that the kernel has not taken yet."""
    return sum(socket.backlog() or 0 for socket in list(OPEN_SOCKETS) if socket.is_open())


metrics.QUEUED_BYTES.set_function(queued_bytes)

# Every widget consumer created in this process, while it is in memory: after a burst of
# short-lived sockets this must come back down to the open ones (nothing kept alive).
CONSUMERS: weakref.WeakSet[WidgetConsumer] = weakref.WeakSet()
metrics.WIDGET_CONSUMERS_ALIVE.set_function(lambda: len(CONSUMERS))
metrics.WIDGET_CACHE_ENTRIES.set_function(widget_cache.size)


class RefusedSocket(AsyncWebsocketConsumer):
    """A WebSocket to a path we do not serve: closed before the handshake completes."""

    channel_layer_alias = "no per-consumer channel"

    async def connect(self) -> None:
        await self.close()


class WidgetConsumer(AsyncWebsocketConsumer):
    # No channel of its own: feed messages reach this socket through the per-process
    # fan-out, so Channels' per-consumer channel (and its waiting receive) would be unused.
    channel_layer_alias = "no per-consumer channel"
    widget: Widget | None = None
    socket: WidgetSocket | None = None
    config_group: str | None = None
    address: str | None = None
    closed = False  # disconnected (or its connect failed): nothing may rejoin a group now
    counted = False  # counted in WIDGET_SOCKETS (and as a viewer, unless a preview)

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        try:
            await super().websocket_connect(message)
        except BaseException:
            # A connect that fails or is cancelled (daphne cancels an app whose client left)
            # never reaches disconnect(): give back what it took, or the process keeps it.
            self._release()
            local_fanout().drop(self)
            raise

    async def connect(self) -> None:
        CONSUMERS.add(self)
        address = client_address(self.scope)
        if SOCKETS_PER_ADDRESS.get(address, 0) >= settings.WIDGET_SOCKETS_PER_CLIENT:
            await self.accept()
            await self.close(code=CLOSE_TOO_MANY)  # accepted first, so the browser sees the reason
            return
        SOCKETS_PER_ADDRESS[address] = SOCKETS_PER_ADDRESS.get(address, 0) + 1
        self.address = address
        self.groups_joined: list[str] = []
        self.paused = False
        self.lite = False
        self.last_jackpots = 0.0
        self.allowance, self.allowance_at = CLIENT_BURST, time.monotonic()
        self.behind = False  # updates were dropped; resync when the socket drains
        try:
            self.widget = await self.find_widget()
        except Exception as error:  # the database (or, for a preview, Redis) is away
            log.warning("widget lookup failed: %s", type(error).__name__)
            await self.accept()
            await self.close(code=CLOSE_UNAVAILABLE)
            return
        if self.widget is not None and not origin_allowed(self.scope, self.widget.origin_list()):
            await self.close()  # before accepting: the handshake fails with 403
            return
        await self.accept()
        self.socket = WidgetSocket.attach(self.scope, self.base_send)
        self.socket.limit_kernel_buffer(KERNEL_SEND_BUFFER)
        # Ping frames draw on the same allowance as the client's messages.
        self.socket.limit_pings(self._allowed, self._pinged_too_often)
        OPEN_SOCKETS.add(self.socket)
        if self.widget is None:
            # Accept first so the browser sees the code, not an anonymous handshake failure.
            await self.close(code=CLOSE_UNKNOWN_WIDGET)
            return
        metrics.WIDGET_SOCKETS.inc()
        self.counted = True
        self.language = self._language()
        self.game_types = self.widget.game_type_list()
        # Admin changes arrive on the widget's own group, joined even while paused.
        self.config_group = config_group(self.widget.public_id)
        await local_fanout().join([self.config_group], self)
        if self.widget.pk is not None:  # an admin preview is not a viewer
            viewer_count.joined(self.widget.public_id)
        await self._join()
        if not await self.send_snapshot():
            # No state to start from (Redis unreachable or saturated): the browser retries
            # with backoff, rather than sitting on a socket that shows nothing.
            await self.close(code=CLOSE_UNAVAILABLE)

    async def find_widget(self) -> Widget | None:
        """The widget this socket shows (None: unknown or switched off)."""
        return await widget_cache.live_widget(self.scope["url_route"]["kwargs"]["public_id"])

    async def reconfigure(self, event: dict[str, Any]) -> None:
        """The admin saved this widget or its theme: follow the new settings, tell the browser."""
        assert self.widget is not None
        widget_cache.forget(self.widget.public_id)
        if self.closed:
            return  # it left while the fan-out worked through the list
        message = event["message"]
        changed = message["config"]
        if not message["enabled"] or not origin_allowed(self.scope, changed["partnerOrigins"]):
            await self.close(code=CLOSE_OFFLINE)
            return
        if not self.paused:
            await self._leave()
        self.widget.show_jackpots = changed["showJackpots"]
        self.widget.currency = changed["currency"]
        self.game_types = list(changed["gameTypes"])
        if not self.paused:
            await self._join()
        if self.socket is None:
            return  # closed while this socket rejoined its groups
        await self.socket.send_event({"text": event["text"]})
        if not self.paused:
            await self.send_snapshot()

    def _pinged_too_often(self) -> None:
        """Called on the reactor by the ping limit: close this socket as too chatty."""
        if self.socket is not None and self.socket.protocol is not None:
            self.socket.protocol.sendClose(code=CLOSE_TOO_CHATTY)

    def _language(self) -> str:

        query = self.scope.get("query_string", b"").decode("latin-1")
        for pair in query.split("&"):
            key, _, value = pair.partition("=")
            if key == "lang" and value in dict(settings.LANGUAGES):
                return value
        assert self.widget is not None
        return self.widget.language

    async def _join(self) -> None:
        groups = [group_for_game(t) for t in self.game_types] + [group_for_names(self.language), STATUS_GROUP]
        assert self.widget is not None
        if self.widget.show_jackpots:
            groups += [group_for_jackpots(self.widget.currency), group_for_jackpots("")]
        await local_fanout().join(groups, self)
        self.groups_joined = groups
        if self.closed:  # it left while joining: the fan-out must not keep it
            local_fanout().drop(self)

    async def _leave(self) -> None:
        await local_fanout().leave(self.groups_joined, self)
        self.groups_joined = []

    async def disconnect(self, code: int) -> None:
        self._release()
        fanout = local_fanout()
        emptied = fanout.drop(self)
        if emptied:
            await fanout.unsubscribe(emptied)

    def _release(self) -> None:
        """Give back everything this socket holds in the process, at once (nothing awaited)."""
        if self.closed:
            return
        self.closed = True
        if self.address is not None:
            left = SOCKETS_PER_ADDRESS.get(self.address, 1) - 1
            if left > 0:
                SOCKETS_PER_ADDRESS[self.address] = left
            else:
                SOCKETS_PER_ADDRESS.pop(self.address, None)
            self.address = None
        if self.counted:
            self.counted = False
            metrics.WIDGET_SOCKETS.dec()
            if self.widget is not None and self.widget.pk is not None:  # an admin preview is not a viewer
                viewer_count.left(self.widget.public_id)
        if self.socket is not None:
            OPEN_SOCKETS.discard(self.socket)
            self.socket.detach()  # breaks the socket <-> protocol <-> consumer cycle
            self.socket = None
        gcwatch.closes.connection_closed(still_open=len(OPEN_SOCKETS))

    async def send_snapshot(self) -> bool:
        """Send the widget's current state; False when the state store could not be read."""
        if self._stalled():
            return True  # a client asking for snapshots it does not read must not grow our buffers
        try:
            assert self.widget is not None
            snapshot = await read_snapshot(
                get_store(), self.game_types, self.language, self.widget.currency, self.widget.language
            )
        except Exception as error:  # Redis away: keep the socket; the feed's next "live" resyncs
            log.warning("snapshot unavailable: %s", type(error).__name__)
            return False
        if self.socket is None:
            return True  # the viewer left while the snapshot was read
        # Through the adapter: a viewer that gave up while the snapshot was read is skipped quietly.
        await self.socket.send_event({"text": encode(snapshot)})
        metrics.MESSAGES_SENT.inc()
        return True

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        size = len(text_data or "") + len(bytes_data or b"")
        if size > MAX_CLIENT_FRAME:
            await self.close(code=CLOSE_TOO_BIG)
            return
        if not self._allowed():
            await self.close(code=CLOSE_TOO_CHATTY)
            return
        message = self._decode(text_data)
        kind = message.get("type") if message else None
        if kind == "resync":
            await self.send_snapshot()
        elif kind == "pause" and not self.paused:
            self.paused = True
            await self._leave()
        elif kind == "resume" and self.paused:
            self.paused = False
            await self._join()
            await self.send_snapshot()
        elif kind == "lite" and message is not None:
            self.lite = bool(message.get("on"))
        elif kind == "tap" and message is not None:
            taps.tapped(self, message)  # a tap on Play, counted at most once a minute per game

    @staticmethod
    def _decode(text: str | None) -> dict[str, Any] | None:
        try:
            message = json.loads(text or "")
        except ValueError:
            return None
        return message if isinstance(message, dict) else None

    def _allowed(self) -> bool:
        """Token bucket: a few messages a second are plenty for this protocol."""
        now = time.monotonic()
        self.allowance = min(CLIENT_BURST, self.allowance + (now - self.allowance_at) * CLIENT_MESSAGES_PER_SECOND)
        self.allowance_at = now
        if self.allowance < 1:
            return False
        self.allowance -= 1
        return True

    def deliver_now(self, event: dict[str, Any]) -> bool | None:
        """The fan-out's hot path, without a coroutine per viewer: True if written, False if
        not for this viewer now, None when ``deliver`` must decide (Save-Data, a resync due,
        or a socket that does not take direct writes)."""
        if self.paused:
            return False
        socket = self.socket
        if self.lite or self.behind or socket is None or socket.mode != "direct":
            return None
        if self._stalled():
            return False
        return socket.write_now(event)

    async def deliver(self, event: dict[str, Any]) -> bool:
        """A feed message from the local fan-out, already serialized; True if it was sent."""
        if self.paused:
            return False
        if self.lite and "parts" in event:  # Save-Data filters jackpots message by message
            sent = [await self.deliver(part) for part in event["parts"]]
            return any(sent)
        if self.lite and event.get("kind") == "jackpots":
            now = time.monotonic()
            if now - self.last_jackpots < LITE_JACKPOT_INTERVAL:
                return False
            self.last_jackpots = now
        if self._stalled():
            return False
        if self.behind:
            self.behind = False
            await self.send_snapshot()  # the latest state replaces every dropped update
            return True
        # This runs once per viewer per message: under daphne the frame is built once per
        # process and written straight to each socket, like websockets.broadcast does.
        if self.socket is None:
            return False  # closed while this batch was being written
        await self.socket.send_event(event)
        return True

    def _backlog(self) -> int | None:
        return self.socket.backlog() if self.socket is not None else None

    def _stalled(self) -> bool:
        """True (and the message counted as dropped) while too much is queued for this viewer."""
        backlog = self._backlog()
        if backlog is None or backlog <= MAX_BACKLOG_BYTES:
            return False
        self.behind = True
        metrics.MESSAGES_DROPPED.inc()
        return True

    async def resync(self) -> None:
        if not self.paused and not self.closed:
            await self.send_snapshot()


class PreviewConsumer(WidgetConsumer):
    """The admin preview's socket: live data for settings that are not saved yet; staff only."""

    async def find_widget(self) -> Widget | None:
        from django.http import QueryDict

        from widget.admin_preview import may_preview, preview_widget

        # Staff with a view, change or add permission on widgets or themes, as the preview page.
        if not await database_sync_to_async(may_preview)(self.scope.get("user")):
            return None
        query = QueryDict(self.scope.get("query_string", b"").decode("latin-1"))
        return await database_sync_to_async(preview_widget)(query)
