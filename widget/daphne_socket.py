"""Direct access to daphne's WebSocket protocol object, for flow control and broadcast.

Daphne gives ASGI apps neither flow control (a phone that stops reading makes the
server buffer without limit) nor a cheap broadcast (every send frames the message
again). Its send callable is ``partial(server.handle_reply, protocol)``, so the
autobahn protocol, and the Twisted transport under it, can be found from it. Under
any other server (or in tests) ``DaphneSocket.from_send`` answers None and the
consumer uses plain ASGI sends.

Twisted's ``transport.write`` never writes at once: it buffers, registers the socket
for writability, and sends on a later loop turn (three epoll calls and as many
Python frames per viewer per message, the largest cost of a broadcast in profiles).
When nothing is queued, ``send_prepared`` writes the frame straight to the socket,
as asyncio transports do, and only hands Twisted what the kernel did not take.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any


class DaphneSocket:
    def __init__(self, protocol: Any) -> None:
        self.protocol = protocol

    @classmethod
    def from_send(cls, send: Callable[..., Any]) -> DaphneSocket | None:
        arguments = getattr(send, "args", None)
        protocol = arguments[0] if arguments else None
        needed = ("sendPreparedMessage", "factory", "transport", "STATE_OPEN")
        if protocol is None or not all(hasattr(protocol, name) for name in needed):
            return None
        return cls(protocol)

    def limit_kernel_buffer(self, size: int) -> None:
        """Cap the kernel's send buffer (Linux autotunes it up to 4 MB for a peer that stops reading)."""
        sock = getattr(self.protocol.transport, "socket", None)
        if isinstance(sock, socket.socket):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)

    def backlog(self) -> int | None:
        """Bytes queued in user space that the kernel has not taken yet."""
        transport = self.protocol.transport
        try:
            return len(transport.dataBuffer) - transport.offset + transport._tempDataLen
        except (AttributeError, TypeError):
            return None

    def is_open(self) -> bool:
        return self.protocol.state == self.protocol.STATE_OPEN

    def send_prepared(self, event: dict[str, Any]) -> None:
        """Send the event's text, framed once per process and shared by every viewer."""
        prepared = event.get("prepared")
        if prepared is None:
            prepared = event["prepared"] = self.protocol.factory.prepareMessage(event["text"].encode())
        if not self._send_now(prepared.payloadHybi):
            self.protocol.sendPreparedMessage(prepared)

    def _send_now(self, frame: bytes) -> bool:
        """Write a whole frame to an idle plain-TCP socket; False if Twisted must do it."""
        protocol, transport = self.protocol, self.protocol.transport
        sock = getattr(transport, "socket", None)
        if (
            not isinstance(sock, socket.socket)  # TLS or another transport: leave it to Twisted
            or protocol._perMessageCompress is not None
            or protocol.send_queue
            or not transport.connected
            or transport._writeDisconnected
            or transport._tempDataLen
            or len(transport.dataBuffer) > transport.offset
        ):
            return False
        try:
            sent = sock.send(frame)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            return False  # let Twisted see the error and close the connection its way
        if sent < len(frame):
            transport.write(frame[sent:])  # the rest in order, with Twisted's buffering
        return True
