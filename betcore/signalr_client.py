"""The hub connection the supervisor can trust, built on signalrcore and checked first.

signalrcore 1.0.2 is used through subclasses of its own classes, never by patching it:

- ``PromptlyClosingWebSocketClient``: signalrcore's ``dispose`` joins a reader thread
  blocked in ``recv()``, which only wakes on the next frame (15 s with a pinging server,
  never with a silent one); shutting the socket down first wakes it at once.
- ``FeedHubConnection``: a WebSocket-only connection with a fixed bearer token (or none,
  when the token travels in the URL), negotiation on or off, and ``send_raw`` for
  invocations written exactly as BETCORE's docs show them (no ``invocationId``, and not
  signalrcore's habit of copying the ``Authorization`` header into every message).

The other modules that touch signalrcore are ``betcore.signalr_protocol`` (the tolerant
JSON hub protocol, which reads records) and ``betcore.signalr_errors`` (the HTTP status
behind a failed negotiate or upgrade).

Subclassing still reads signalrcore's private names (``_negotiate``, ``_callbacks``,
``_client``, …). ``self_test`` checks, once per process and before the first connection,
that the installed signalrcore is a version this module was written against and that
every one of those names is there; otherwise ``SignalrcoreMismatch`` stops the worker
with the list of what is missing, instead of a connection failing deep inside a thread.
"""

from __future__ import annotations

import functools
import logging
import socket
import ssl
import threading
from importlib.metadata import PackageNotFoundError, version

from signalrcore.hub.base_hub_connection import BaseHubConnection
from signalrcore.messages.ping_message import PingMessage
from signalrcore.protocol.json_hub_protocol import JsonHubProtocol
from signalrcore.transport.base_transport import TransportState
from signalrcore.transport.websockets.websocket_client import WebSocketClient
from signalrcore.transport.websockets.websocket_transport import WebsocketTransport

log = logging.getLogger("betcore.signalr")

# Versions this adapter was written and tested against (major.minor), and the private
# names it reads: on classes (checked at once) and on instances (checked on the first one).
KNOWN_VERSIONS = ("1.0",)
CLASS_ATTRIBUTES = {
    BaseHubConnection: ("_negotiate", "on_message", "on_open", "on_close"),
    WebsocketTransport: (
        "_client",
        "create_client",
        "on_socket_error",
        "on_socket_close",
        "on_socket_open",
        "send",
        "stop",
    ),
    WebSocketClient: ("dispose",),
    JsonHubProtocol: ("get_message", "parse_messages"),
}
CONNECTION_ATTRIBUTES = ("_selected_protocol", "_callbacks", "kwargs", "proxies", "skip_negotiation", "headers")
CALLBACK_ATTRIBUTES = ("on_close", "on_open", "on_reconnect")


class SignalrcoreMismatch(RuntimeError):
    """The installed signalrcore is not one this adapter knows: what differs, in one line."""


@functools.cache
def self_test() -> str:
    """The installed signalrcore's version, once its version and private names are checked."""
    try:
        installed = version("signalrcore")
    except PackageNotFoundError:
        raise SignalrcoreMismatch("signalrcore is not installed") from None
    if not installed.startswith(tuple(f"{known}." for known in KNOWN_VERSIONS)):
        raise SignalrcoreMismatch(f"signalrcore {installed} is not a version this adapter knows ({KNOWN_VERSIONS})")
    missing = [
        f"{cls.__name__}.{name}" for cls, names in CLASS_ATTRIBUTES.items() for name in names if not hasattr(cls, name)
    ]
    if missing:
        raise SignalrcoreMismatch(f"signalrcore {installed} lacks {', '.join(missing)}")
    log.info("signalrcore %s: the adapter's private names are all present", installed)
    return installed


def _check_connection(connection: BaseHubConnection) -> None:
    missing = [name for name in CONNECTION_ATTRIBUTES if not hasattr(connection, name)]
    callbacks = getattr(connection, "_callbacks", None)
    missing += [f"_callbacks.{name}" for name in CALLBACK_ATTRIBUTES if not hasattr(callbacks, name)]
    if missing:
        raise SignalrcoreMismatch(f"signalrcore {self_test()} hub connections lack {', '.join(missing)}")


# Set by signalrcore's socket client when it connects; read by PromptlyClosingWebSocketClient.
STARTED_CLIENT_ATTRIBUTES = ("sock", "recv_thread")


def _check_started_client(transport: WebsocketTransport) -> None:
    client = getattr(transport, "_client", None)
    missing = [name for name in STARTED_CLIENT_ATTRIBUTES if not hasattr(client, name)]
    if missing:
        raise SignalrcoreMismatch(f"signalrcore {self_test()} socket clients lack {', '.join(missing)}")


class PromptlyClosingWebSocketClient(WebSocketClient):  # type: ignore[misc,unused-ignore]
    def dispose(self) -> None:
        sock = getattr(self, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the reader blocked in recv()
            except OSError:
                pass
            sock.close()
        reader = getattr(self, "recv_thread", None)
        if reader is not None and reader is not threading.current_thread():
            reader.join(timeout=2.0)
            self.recv_thread = None


class FeedWebsocketTransport(WebsocketTransport):  # type: ignore[misc,unused-ignore]
    def create_client(self) -> WebSocketClient:
        return PromptlyClosingWebSocketClient(
            url=self.url,
            connection_id=self.connection_id,
            headers=self.headers,
            is_binary=False,
            ssl_context=self.ssl_context,
            enable_trace=self.enable_trace,
            on_message=self.on_message,
            on_error=self.on_socket_error,
            on_close=self.on_socket_close,
            on_open=self.on_socket_open,
        )

    def send_raw(self, text: str) -> None:
        self._client.send(text, opcode=0x1)


class FeedHubConnection(BaseHubConnection):  # type: ignore[misc,unused-ignore]
    """One hub connection over WebSockets, started once; the supervisor builds a new one to reconnect."""

    def __init__(
        self,
        url: str,
        *,
        protocol: JsonHubProtocol,
        bearer_token: str | None,
        skip_negotiation: bool,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self_test()
        headers = {"Authorization": f"Bearer {bearer_token}"} if bearer_token else {}
        super().__init__(
            url=url,
            protocol=protocol,
            headers=headers,
            skip_negotiation=skip_negotiation,
            ssl_context=ssl_context or ssl.create_default_context(),
            keep_alive_interval=15,
            reconnection_handler=None,  # signalrcore's reconnect is the supervisor's job
            enable_trace=False,
        )
        _check_connection(self)

    def start(self) -> bool:
        response = self._negotiate()
        self.transport = FeedWebsocketTransport(
            url=self.url,
            protocol=self._selected_protocol,
            headers=self.headers,
            token=None,
            skip_negotiation=self.skip_negotiation,
            connection_id=response.get_id(),
            ssl_context=self.ssl_context,
            proxies=self.proxies,
            on_close=self._callbacks.on_close,
            on_open=self._callbacks.on_open,
            on_reconnect=self._callbacks.on_reconnect,
            on_message=self.on_message,
            **self.kwargs,
        )
        started = bool(self.transport.start())
        if started:
            _check_started_client(self.transport)
        return started

    def is_disconnected(self) -> bool:
        return bool(self.transport is None or self.transport.state == TransportState.disconnected)

    def send_ping(self) -> None:
        self.transport.send(PingMessage())

    def send_raw(self, record: str) -> None:
        """A record written as it is (it must end with the 0x1E separator)."""
        self.transport.send_raw(record)

    def stop(self) -> None:
        if self.transport is not None:
            self.transport.stop()
