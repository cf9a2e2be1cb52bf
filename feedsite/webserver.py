"""The web process: daphne, with each WebSocket's connection handed to the application.

Run it exactly like daphne (``python -m feedsite.webserver [daphne options] feedsite.asgi:application``);
``manage.py serve`` uses the same server class.

The widget socket's protections (the cap on bytes queued for a viewer that stops
reading, the limit on WebSocket ping frames, the smaller kernel send buffer) need
the connection under the ASGI ``send`` callable. ASGI passes servers' extras to the
application in ``scope["extensions"]``, and middleware copies the scope along with
its extensions, so the connection is put there, as a weak reference: whatever wraps
``send`` (authentication, logging, error tracking) the consumer still finds it.
"""

from __future__ import annotations

import asyncio
import sys
import weakref
from functools import partial
from pprint import pformat
from typing import Any

from autobahn.websocket import protocol as autobahn_protocol
from daphne.cli import CommandLineInterface
from daphne.server import Server

from feedsite.connection_checks import EventDrivenChecks
from feedsite.lean_connections import InputQueue, release_upgraded_http, with_factory_options

# scope["extensions"][CONNECTION_EXTENSION] = {"protocol": weakref to daphne's protocol}
CONNECTION_EXTENSION = "betcore.connection"


def connection_protocol(scope: dict[str, Any]) -> Any:
    """The daphne (autobahn) protocol of this WebSocket scope, or None where the server did not say."""
    extension = (scope.get("extensions") or {}).get(CONNECTION_EXTENSION)
    if not isinstance(extension, dict) or not isinstance(extension.get("protocol"), weakref.ref):
        return None
    return extension["protocol"]()


# Connections the kernel queues for daphne to accept. Twisted's default, 50, is less than
# one loop turn's worth of viewers reconnecting at once: the rest were reset mid-handshake.
LISTEN_BACKLOG = 1024
# Seconds a client may take to answer our close frame before the connection is dropped.
CLOSE_HANDSHAKE_TIMEOUT = 5.0


def with_backlog(endpoint: str) -> str:
    """A TCP or TLS endpoint description with our listen backlog, unless it names one itself."""
    kind = endpoint.split(":", 1)[0]
    if kind in ("tcp", "ssl", "tcp6") and "backlog=" not in endpoint:
        return f"{endpoint}:backlog={LISTEN_BACKLOG}"
    return endpoint


class LazyPformat:
    """``pprint.pformat(value)``, computed only if something formats it (a log line that is written)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __format__(self, spec: str) -> str:
        return format(pformat(self.value), spec)

    def __str__(self) -> str:
        return pformat(self.value)

    __repr__ = __str__


def defer_autobahn_debug_formatting() -> None:
    """Stop autobahn pretty-printing its options for a debug line on every connection.

    ``WebSocketProtocol._connectionMade`` calls ``pformat`` on its 29 options before
    ``log.debug`` discards the line: 0.3 ms of CPU per connection on a quiet core, 0.7 ms
    of 3.6 on a busy one (docs/benchmarks.md, restart). 5,000 viewers reconnecting to a
    restarted process pay it before anything else is answered (py-spy: 0.64 s of the
    first 8 s after a restart with 1,000 viewers). Formatting lazily keeps the line when
    debug logging is on.
    """
    autobahn_protocol.pformat = LazyPformat  # type: ignore[assignment]  # formats like the str it was
    # The one other caller in that module must keep returning a string.
    autobahn_protocol.Timings.__str__ = lambda self: pformat(self._timings)  # type: ignore[method-assign]


class ConnectionServer(EventDrivenChecks, Server):
    """daphne's server, announcing each WebSocket connection in its scope's extensions, with its
    periodic checks over the connections that need them (``connection_checks``)."""

    def __init__(self, application: Any, endpoints: list[str] | None = None, **options: Any) -> None:
        defer_autobahn_debug_formatting()  # here, so `manage.py serve` gets it too
        super().__init__(application, endpoints=[with_backlog(e) for e in endpoints or []], **options)

    def listen_success(self, port: Any) -> None:
        # Called once per endpoint, after daphne configured its WebSocket factory and before
        # the reactor accepts anything.
        if not getattr(self.ws_factory.protocol, "lean", False):
            # closeHandshakeTimeout (autobahn's default is 1 s): a phone on a slow or busy link
            # that answers our close late gets the close code, not a reset that discards it.
            self.ws_factory.protocol = with_factory_options(
                self.ws_factory, closeHandshakeTimeout=CLOSE_HANDSHAKE_TIMEOUT
            )
        super().listen_success(port)

    def create_application(self, protocol: Any, scope: dict[str, Any]) -> Any:
        if scope.get("type") == "websocket":
            extensions = dict(scope.get("extensions") or {})
            extensions[CONNECTION_EXTENSION] = {"protocol": weakref.ref(protocol)}
            scope["extensions"] = extensions
            release_upgraded_http(protocol.transport)
        # daphne's Server.create_application (4.2) with an InputQueue for its asyncio.Queue.
        assert "application_instance" not in self.connections[protocol]
        input_queue = InputQueue()
        scope.setdefault("asgi", {"version": "3.0"})
        application_instance = self.application(
            scope=scope, receive=input_queue.get, send=partial(self.handle_reply, protocol)
        )
        if protocol not in self.connections:
            return None
        future = self.connections[protocol]["application_instance"] = asyncio.ensure_future(application_instance)
        self.watch_application(protocol, future)
        return input_queue


class WebServerCommand(CommandLineInterface):
    server_class = ConnectionServer


def main() -> None:
    WebServerCommand().run(sys.argv[1:])


if __name__ == "__main__":
    main()
