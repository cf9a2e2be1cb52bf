"""Consumers without a channel-layer channel of their own, through channels' documented switch.

Channels gives a consumer a channel (``new_channel()`` and a waiting ``receive()``)
when ``get_channel_layer(channel_layer_alias)`` returns a layer, and none when it
returns None, which it documents for an alias that is not configured. Widget sockets
hear the feed through the per-process fan-out (widget/fanout.py), so a channel per
viewer would be pure cost. ``ChannelFreeConsumer`` names an alias reserved for that and
checks, on every socket, that it really left the consumer without a layer: a setting
that configured the alias fails loudly instead of silently adding a channel per viewer.

With no channel there is one source of messages, the client's, so the consumer reads it
in a plain loop: Channels' ``await_many_dispatch`` would keep a task, a waiter future and
three coroutines per idle viewer only to wait on that one source (docs/benchmarks.md,
memory per idle viewer).
"""

from __future__ import annotations

from typing import Any

from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer

NO_CHANNEL_ALIAS = "widget-sockets-have-no-channel"  # must never be configured in CHANNEL_LAYERS


class ChannelFreeConsumer(AsyncWebsocketConsumer):
    channel_layer_alias = NO_CHANNEL_ALIAS

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Channels' ``AsyncConsumer.__call__`` for a consumer without a channel: the same
        dispatch, one message at a time, without a task per pending ``receive``."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        if self.channel_layer is not None:
            raise RuntimeError(f"CHANNEL_LAYERS configures {NO_CHANNEL_ALIAS!r}: widget sockets must have no channel")
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass  # disconnected: the consumer ends cleanly, as Channels' own loop does

    async def send_text(self, text: str) -> None:
        """One text frame, through the consumer's documented ``send``."""
        await self.send(text_data=text)


class RefusedSocket(ChannelFreeConsumer):
    """A WebSocket to a path we do not serve: closed before the handshake completes."""

    async def connect(self) -> None:
        await self.close()
