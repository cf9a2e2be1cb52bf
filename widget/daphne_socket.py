"""Direct access to daphne's WebSocket protocol object, for flow control and broadcast.

Daphne gives ASGI apps neither flow control (a phone that stops reading makes the
server buffer without limit) nor a cheap broadcast (every send frames the message
again). Its send callable is ``partial(server.handle_reply, protocol)``, so the
autobahn protocol, and the Twisted transport under it, can be found from it. Under
any other server (or in tests) ``DaphneSocket.from_send`` answers None and the
consumer uses plain ASGI sends.
"""

from __future__ import annotations

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
        self.protocol.sendPreparedMessage(prepared)
