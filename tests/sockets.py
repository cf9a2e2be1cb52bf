"""Shared helpers for widget-socket tests: open a socket, publish a feed event as the worker would."""

from __future__ import annotations

import time

from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from feed.protocol.browser import BrowserMessage, GameChange
from feed.protocol.events import FeedEvent, Position
from feed.protocol.keys import game_group
from feed.protocol.views import GameView
from feedsite.asgi import application


async def connect(path: str, origin: bytes = b"http://127.0.0.1") -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path, headers=[(b"origin", origin), (b"host", b"127.0.0.1")])
    connected, _ = await communicator.connect()
    assert connected
    return communicator


def game_change(game_type: int, **changes: object) -> GameChange:
    return GameChange(game_type, changes, sent_at=int(time.time() * 1000))


async def publish(message: BrowserMessage, group: str | None = None, position: Position | None = None) -> None:
    """Send ``message`` through the default channel layer as a worker event (game changes to their game's group)."""
    if group is None:
        assert isinstance(message, GameChange)
        group = game_group(message.game_type)
    event = FeedEvent.of(message, group, time.time(), position)
    await get_channel_layer().group_send(group, event.encode())


def game(game_type: int, round_: int = 1, state: str = "active") -> GameView:
    """A whole game view, as the worker stores it."""
    return GameView(game_type, 100 + round_, round_, state, None, False, None, 99 + round_, None)
