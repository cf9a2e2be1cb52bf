"""The widget's WebSocket: a snapshot on join, then the feed's changes as they happen.

The browser's messages are ``feed.protocol.client``'s (resync, pause, resume, lite,
tap); anything else is ignored, and every frame draws on the socket's rate limit
(widget/socket_limits.py). Feed changes arrive through the per-process fan-out
(``deliver_now`` / ``deliver``), admin changes as ``reconfigure``. Close codes are
``feed.protocol.close_codes.CloseCode``.
"""

from __future__ import annotations

import logging
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings

from feed import gcwatch, metrics
from feed.protocol import client
from feed.protocol.close_codes import CloseCode
from feed.protocol.events import FeedEvent
from feed.protocol.keys import STATUS_GROUP, config_group, game_group, jackpots_group, names_group
from feed.protocol.schema import ProtocolError
from play import taps
from widget import viewer_count, widget_cache
from widget.channel_free import ChannelFreeConsumer, RefusedSocket
from widget.daphne_fastpath import WidgetSocket
from widget.delivery import FeedDelivery
from widget.fanout import local_fanout
from widget.frames import Frame
from widget.models import Widget
from widget.socket_limits import (
    KERNEL_SEND_BUFFER,
    MAX_BACKLOG_BYTES,
    MAX_CLIENT_FRAME,
    Allowance,
    client_address,
    give_back,
    take_place,
)
from widget.socket_metrics import CONSUMERS, OPEN_SOCKETS
from widget.socket_origin import keep_only_origin_headers, origin_allowed

__all__ = ["KERNEL_SEND_BUFFER", "MAX_BACKLOG_BYTES", "PreviewConsumer", "RefusedSocket", "WidgetConsumer"]

log = logging.getLogger("widget.socket")


class WidgetConsumer(FeedDelivery, ChannelFreeConsumer):
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
        if not take_place(address):
            await self.accept()
            await self.close(code=CloseCode.TOO_MANY)  # accepted first, so the browser sees the reason
            return
        self.address = address
        self.groups_joined: list[str] = []
        self.paused = False
        self.lite = False
        self.last_jackpots = 0.0
        self.allowance = Allowance(self.clock)
        self.behind = False  # updates were dropped; resync when the socket drains
        try:
            self.widget = await self.find_widget()
        except Exception as error:  # the database (or, for a preview, Redis) is away
            log.warning("widget lookup failed: %s", type(error).__name__)
            await self.accept()
            await self.close(code=CloseCode.UNAVAILABLE)
            return
        if self.widget is not None and not origin_allowed(self.scope, self.widget.origin_list()):
            await self.close()  # before accepting: the handshake fails with 403
            return
        await self.accept()
        keep_only_origin_headers(self.scope)  # checked, and all a reconfigure reads again
        self.socket = WidgetSocket.attach(self.scope, self.send_text)
        self.socket.limit_kernel_buffer(KERNEL_SEND_BUFFER)
        # Ping frames draw on the same allowance as the client's messages.
        self.socket.limit_pings(self.allowance.take, self._pinged_too_often)
        OPEN_SOCKETS.add(self.socket)
        if self.widget is None:
            # Accept first so the browser sees the code, not an anonymous handshake failure.
            await self.close(code=CloseCode.UNKNOWN_WIDGET)
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
            await self.close(code=CloseCode.UNAVAILABLE)

    async def find_widget(self) -> Widget | None:
        """The widget this socket shows (None: unknown or switched off)."""
        return await widget_cache.live_widget(self.scope["url_route"]["kwargs"]["public_id"])

    async def reconfigure(self, event: FeedEvent) -> None:
        """The admin saved this widget or its theme: follow the new settings, tell the browser."""
        assert self.widget is not None and event.config is not None
        widget_cache.forget(self.widget.public_id)
        if self.closed:
            return  # it left while the fan-out worked through the list
        changed = event.config.settings
        if not event.config.enabled or not origin_allowed(self.scope, list(changed.partner_origins)):
            await self.close(code=CloseCode.OFFLINE)
            return
        if not self.paused:
            await self._leave()
        self.widget.show_jackpots = changed.show_jackpots
        self.widget.currency = changed.currency
        self.game_types = list(changed.game_types)
        if not self.paused:
            await self._join()
        if self.socket is None:
            return  # closed while this socket rejoined its groups
        await self.socket.send_frame(Frame.of(event))
        if not self.paused:
            await self.send_snapshot()

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        """Channels' close, with a ``CloseCode`` handed on as the plain ``int`` autobahn accepts."""
        await super().close(code=int(code) if isinstance(code, CloseCode) else code, reason=reason)

    def _pinged_too_often(self) -> None:
        """Called on the reactor by the ping limit: close this socket as too chatty."""
        if self.socket is not None and self.socket.protocol is not None:
            self.socket.protocol.sendClose(code=CloseCode.TOO_CHATTY.value)  # autobahn: a plain int

    def _language(self) -> str:
        query = self.scope.get("query_string", b"").decode("latin-1")
        for pair in query.split("&"):
            key, _, value = pair.partition("=")
            if key == "lang" and value in dict(settings.LANGUAGES):
                return value
        assert self.widget is not None
        return self.widget.language

    async def _join(self) -> None:
        groups = [game_group(game_type) for game_type in self.game_types]
        groups += [names_group(self.language), STATUS_GROUP]
        assert self.widget is not None
        if self.widget.show_jackpots:
            groups += [jackpots_group(self.widget.currency), jackpots_group("")]
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
            give_back(self.address)
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

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        size = len(text_data or "") + len(bytes_data or b"")
        if size > MAX_CLIENT_FRAME:
            await self.close(code=CloseCode.TOO_BIG)
            return
        if not self.allowance.take():
            await self.close(code=CloseCode.TOO_CHATTY)
            return
        try:
            message = client.decode(text_data)
        except ProtocolError:
            return  # not the protocol: ignored (it drew on the allowance all the same)
        await self.handle(message)

    async def handle(self, message: client.ClientMessage) -> None:
        """Act on one browser message."""
        if isinstance(message, client.Resync):
            await self.send_snapshot()
        elif isinstance(message, client.Pause) and not self.paused:
            self.paused = True
            await self._leave()
        elif isinstance(message, client.Resume) and self.paused:
            self.paused = False
            await self._join()
            await self.send_snapshot()
        elif isinstance(message, client.Lite):
            self.lite = message.on
        elif isinstance(message, client.Tap):
            taps.tapped(self, message)  # a tap on Play, counted at most once a minute per game


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
