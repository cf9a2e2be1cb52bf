"""Reading widget frames in tests: a frame holds one message or a JSON array of them."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any


def messages_in(frame: str | bytes) -> list[dict[str, Any]]:
    data = json.loads(frame)
    return data if isinstance(data, list) else [data]


class MessageReader:
    """Message by message over any ``receive`` coroutine that returns frames."""

    def __init__(self, receive: Callable[[], Awaitable[str | bytes]]) -> None:
        self.receive = receive
        self.buffer: list[dict[str, Any]] = []

    async def next(self) -> dict[str, Any]:
        while not self.buffer:
            self.buffer.extend(messages_in(await self.receive()))
        return self.buffer.pop(0)
