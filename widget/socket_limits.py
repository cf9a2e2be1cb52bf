"""What one widget socket may cost the process: places per client address, messages per second, bytes queued.

A client address holds at most ``WIDGET_SOCKETS_PER_CLIENT`` sockets in this process
(nginx limits per address across processes in front). Browser messages draw on a token
bucket (``Allowance``), ping frames included. A viewer that stops reading (a stalled
phone) gets no more updates once ``MAX_BACKLOG_BYTES`` are queued for it, and the
kernel holds at most ``KERNEL_SEND_BUFFER`` more (instead of growing its buffer up to
net.ipv4.tcp_wmem's maximum; a widget sends a few KB a minute and a snapshot of a few
KB, so even a 300 ms mobile link is not slowed by it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings

MAX_CLIENT_FRAME = 1024  # bytes: larger browser frames close the socket
CLIENT_MESSAGES_PER_SECOND = 2.0
CLIENT_BURST = 10.0
MAX_BACKLOG_BYTES = 64 * 1024
KERNEL_SEND_BUFFER = 32 * 1024

# Open widget sockets per client address in this process.
SOCKETS_PER_ADDRESS: dict[str, int] = {}


def client_address(scope: dict[str, Any]) -> str:
    client = scope.get("client") or ("", 0)
    return str(client[0])


def take_place(address: str) -> bool:
    """Count one more socket for ``address``; False (nothing counted) when it holds all it may."""
    if SOCKETS_PER_ADDRESS.get(address, 0) >= settings.WIDGET_SOCKETS_PER_CLIENT:
        return False
    SOCKETS_PER_ADDRESS[address] = SOCKETS_PER_ADDRESS.get(address, 0) + 1
    return True


def give_back(address: str) -> None:
    left = SOCKETS_PER_ADDRESS.get(address, 1) - 1
    if left > 0:
        SOCKETS_PER_ADDRESS[address] = left
    else:
        SOCKETS_PER_ADDRESS.pop(address, None)


class Allowance:
    """Token bucket: a few messages a second are plenty for this protocol."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.tokens, self.at = CLIENT_BURST, clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(CLIENT_BURST, self.tokens + (now - self.at) * CLIENT_MESSAGES_PER_SECOND)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
