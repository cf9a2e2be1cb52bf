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

import sys
import weakref
from typing import Any

from daphne.cli import CommandLineInterface
from daphne.server import Server

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


class ConnectionServer(Server):
    """daphne's server, announcing each WebSocket connection in its scope's extensions."""

    def __init__(self, application: Any, endpoints: list[str] | None = None, **options: Any) -> None:
        super().__init__(application, endpoints=[with_backlog(e) for e in endpoints or []], **options)

    def create_application(self, protocol: Any, scope: dict[str, Any]) -> Any:
        if scope.get("type") == "websocket":
            # autobahn's per-connection option (its default is 1 s): a phone on a slow or busy
            # link that answers our close late gets the close code, not a reset that discards it.
            protocol.closeHandshakeTimeout = CLOSE_HANDSHAKE_TIMEOUT
            extensions = dict(scope.get("extensions") or {})
            extensions[CONNECTION_EXTENSION] = {"protocol": weakref.ref(protocol)}
            scope["extensions"] = extensions
        return super().create_application(protocol, scope)


class WebServerCommand(CommandLineInterface):
    server_class = ConnectionServer


def main() -> None:
    WebServerCommand().run(sys.argv[1:])


if __name__ == "__main__":
    main()
