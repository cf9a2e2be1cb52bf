"""Consumers without a channel-layer channel of their own, through channels' documented switch.

Channels gives a consumer a channel (``new_channel()`` and a waiting ``receive()``)
when ``get_channel_layer(channel_layer_alias)`` returns a layer, and none when it
returns None, which it documents for an alias that is not configured. Widget sockets
hear the feed through the per-process fan-out (widget/fanout.py), so a channel per
viewer would be pure cost. ``ChannelFreeConsumer`` names an alias reserved for that and
checks, on every socket, that it really left the consumer without a layer: a setting
that configured the alias fails loudly instead of silently adding a channel per viewer.
"""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

NO_CHANNEL_ALIAS = "widget-sockets-have-no-channel"  # must never be configured in CHANNEL_LAYERS


class ChannelFreeConsumer(AsyncWebsocketConsumer):
    channel_layer_alias = NO_CHANNEL_ALIAS

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        if self.channel_layer is not None:
            raise RuntimeError(f"CHANNEL_LAYERS configures {NO_CHANNEL_ALIAS!r}: widget sockets must have no channel")
        await super().websocket_connect(message)

    async def send_text(self, text: str) -> None:
        """One text frame, through the consumer's documented ``send``."""
        await self.send(text_data=text)


class RefusedSocket(ChannelFreeConsumer):
    """A WebSocket to a path we do not serve: closed before the handshake completes."""

    async def connect(self) -> None:
        await self.close()
