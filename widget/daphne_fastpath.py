"""The one module that reaches into daphne, Twisted and autobahn: direct frame writes and flow control.

Daphne gives ASGI apps neither flow control (a phone that stops reading makes the
server buffer without limit) nor a cheap broadcast (every send frames the message
again). The web process (feedsite/webserver.py) hands each WebSocket's autobahn
protocol to the application in ``scope["extensions"]``, so the protocol, and the
Twisted transport under it, are found from the scope, whatever wraps ``send``.

Twisted's ``transport.write`` never writes at once: it buffers, registers the socket
for writability and sends on a later loop turn (three epoll calls and as many Python
frames per viewer per message, the largest cost of a broadcast in profiles). On the
**direct** path an idle socket gets the frame (built once per process by autobahn)
written straight away, as asyncio transports do, and Twisted only gets what the
kernel did not take. That is only correct on a plain TCP transport: under TLS the
bytes must go through the TLS layer. So ``WidgetSocket.attach`` decides once per
connection, from public facts where there are any (the transport's exact class, its
TLS flag, the negotiated compression), and every private attribute it will read is
checked once per process, on its first socket, against the installed versions (``self_test``). Anything else
takes the **fallback** path: the consumer's documented ``send(text_data=...)``. Which path each socket takes
is counted (``feed_widget_fastpath{mode}``) and logged once per reason; a socket whose
connection the server did not hand over is counted as ``unprotected`` and logged at ERROR once.

Flow control (``backlog``) reads the bytes Twisted holds for the socket; under TLS it
reads the TCP transport beneath the TLS layer, so a stalled reader is held to the cap
on both paths. Where it cannot be read, ``backlog`` is None and that is logged too.
"""

from __future__ import annotations

import functools
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from autobahn.exception import Disconnected

from feed import metrics
from feedsite.webserver import connection_protocol
from widget.frames import Frame

log = logging.getLogger("widget.fastpath")

# Private attributes read on the direct path, per class; checked at start-up.
TRANSPORT_ATTRIBUTES = ("dataBuffer", "offset", "TLS", "connected", "_writeDisconnected")
TRANSPORT_INSTANCE_ATTRIBUTES = ("_tempDataLen", "socket")
PROTOCOL_ATTRIBUTES = ("sendPreparedMessage", "STATE_OPEN", "state", "send_queue", "_perMessageCompress", "factory")
# Versions the direct path was written and tested against (major.minor); others fall back.
KNOWN_VERSIONS = {"daphne": ("4.2",), "twisted": ("26.10",), "autobahn": ("26.10",)}

SendText = Callable[[str], Awaitable[None]]  # the consumer's own send of one text frame


@dataclass(frozen=True)
class SelfTest:
    ok: bool
    reason: str
    versions: str


@functools.cache
def self_test() -> SelfTest:
    """Whether the installed daphne/Twisted/autobahn are ones the direct path knows."""
    versions = {}
    for package in KNOWN_VERSIONS:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            return SelfTest(False, f"{package} is not installed", "")
    shown = ", ".join(f"{name} {value}" for name, value in versions.items())
    for package, known in KNOWN_VERSIONS.items():
        if not versions[package].startswith(tuple(f"{k}." for k in known)):
            return SelfTest(False, f"{package} {versions[package]} is not a version the direct path knows", shown)
    from autobahn.twisted.websocket import WebSocketServerProtocol
    from twisted.internet import tcp

    missing = [f"tcp.Server.{a}" for a in TRANSPORT_ATTRIBUTES if not hasattr(tcp.Server, a)]
    protocol_missing = ("sendPreparedMessage", "STATE_OPEN")
    missing += [f"WebSocketServerProtocol.{a}" for a in protocol_missing if not hasattr(WebSocketServerProtocol, a)]
    if missing:
        return SelfTest(False, f"missing {', '.join(missing)}", shown)
    return SelfTest(True, "", shown)


_logged: set[tuple[str, str]] = set()


def _announce(mode: str, reason: str) -> None:
    if (mode, reason) not in _logged and len(_logged) < 50:
        _logged.add((mode, reason))
        log.info("widget sockets: %s writes (%s; %s)", mode, reason, self_test().versions or "not under daphne")


UNPROTECTED = (
    "widget sockets without flow control or ping limits: the server did not hand over the "
    "connection (start web processes with `python -m feedsite.webserver`, as deploy/ does)"
)


def _announce_unprotected() -> None:
    """Once per process, loudly: a socket whose protections cannot be applied."""
    if ("unprotected", "") not in _logged:
        _logged.add(("unprotected", ""))
        log.error(UNPROTECTED)


def _tcp_transport(transport: Any) -> Any:
    """The Twisted TCP transport at the bottom of a (possibly TLS-wrapped) transport, or None."""
    from twisted.internet import tcp

    for _ in range(4):
        if type(transport) is tcp.Server:
            return transport
        transport = getattr(transport, "transport", None)
    return None


class WidgetSocket:
    """One widget connection's way of sending: ``mode`` is "direct" or "fallback"."""

    def __init__(self, send_text: SendText | None, protocol: Any, mode: str, reason: str) -> None:
        self._send_text = send_text
        self.protocol = protocol
        self.mode, self.reason = mode, reason
        self._tcp = _tcp_transport(protocol.transport) if protocol is not None else None
        self._counted = False
        self._metric_mode = mode

    @classmethod
    def attach(cls, scope: dict[str, Any], send_text: SendText) -> WidgetSocket:
        """Decide, once, how this accepted connection is written to; ``send_text`` is the fallback."""
        protocol = connection_protocol(scope)
        mode, reason = cls._decide(protocol)
        socket_ = cls(send_text, protocol, mode, reason)
        if protocol is None:
            mode = "unprotected"  # counted apart: an operator alert, not a slower path
            _announce_unprotected()
        else:
            _announce(mode, reason)
        socket_._metric_mode = mode
        metrics.FASTPATH.labels(mode).inc()
        socket_._counted = True
        return socket_

    @staticmethod
    def _decide(protocol: Any) -> tuple[str, str]:
        from twisted.internet import tcp

        if protocol is None:
            return "fallback", "no connection from the server"
        test = self_test()
        if not test.ok:
            return "fallback", test.reason
        transport = getattr(protocol, "transport", None)
        if type(transport) is not tcp.Server:
            return "fallback", f"{type(transport).__name__} transport (TLS or another wrapper)"
        if transport.TLS:
            return "fallback", "TLS started on the TCP transport"
        if not all(hasattr(transport, a) for a in TRANSPORT_INSTANCE_ATTRIBUTES):
            return "fallback", "the TCP transport lacks the buffer counters"
        if not all(hasattr(protocol, a) for a in PROTOCOL_ATTRIBUTES):
            return "fallback", "the WebSocket protocol lacks the attributes the direct path reads"
        if protocol._perMessageCompress is not None:
            return "fallback", "per-message compression negotiated"
        return "direct", "plain TCP"

    def limit_pings(self, allowed: Callable[[], bool], on_flood: Callable[[], None]) -> None:
        """Answer WebSocket ping frames only while ``allowed()``; otherwise ``on_flood()``.

        autobahn answers every ping by itself, below the application; ``onPing`` is its
        documented hook, so the limit is wrapped around it for this connection only.
        """
        protocol = self.protocol
        original = getattr(protocol, "onPing", None)
        if original is None:
            return

        def limited(payload: bytes) -> None:
            if allowed():
                original(payload)
            else:
                on_flood()

        protocol.onPing = limited

    def detach(self) -> None:
        """The connection closed: uncount it and drop every reference between us and it.

        The ping limit's closure (on the protocol) refers to the consumer, which refers to
        this object, which refers to the protocol: a reference cycle per closed socket that
        only a full garbage collection would free. Broken here, reference counting frees
        the lot as soon as daphne lets go of the connection.
        """
        if self._counted:
            metrics.FASTPATH.labels(self._metric_mode).dec()
            self._counted = False
        protocol = self.protocol
        if protocol is not None and "onPing" in vars(protocol):
            del protocol.onPing  # back to the class's own handler
        self.protocol = self._tcp = None
        self._send_text = None  # the consumer's bound method: it refers back to the consumer

    def limit_kernel_buffer(self, size: int) -> None:
        """Cap the kernel's send buffer (Linux autotunes it up to 4 MB for a peer that stops reading)."""
        sock = getattr(self._tcp, "socket", None)
        if isinstance(sock, socket.socket):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)

    def backlog(self) -> int | None:
        """Bytes queued in user space that the kernel has not taken yet; None where unknown."""
        transport = self._tcp
        if transport is None:
            return None
        try:
            return len(transport.dataBuffer) - transport.offset + transport._tempDataLen
        except (AttributeError, TypeError):
            return None

    def is_open(self) -> bool:
        if self.protocol is None:
            return True
        return bool(self.protocol.state == self.protocol.STATE_OPEN)

    def write_if_idle(self, frame: Frame) -> bool | None:
        """Direct path, the fan-out's common case in one call: True if the frame was handed to an
        idle socket, False if the connection is closed, None if something is queued for it already
        (the caller then checks the backlog and uses ``write_now``). One frame per viewer per burst
        instead of four calls that read the same attributes again."""
        protocol, transport = self.protocol, self._tcp
        if protocol is None or protocol.state != protocol.STATE_OPEN:
            return False
        if (
            transport is None
            or protocol.send_queue
            or transport._tempDataLen
            or len(transport.dataBuffer) > transport.offset
            or not transport.connected
            or transport._writeDisconnected
        ):
            return None
        data = self._prepared(frame).payloadHybi
        try:
            sent = transport.socket.send(data)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            return None  # write_now lets Twisted see the error and close the connection its way
        if sent < len(data):
            transport.write(data[sent:])  # the rest in order, with Twisted's buffering
        return True

    def write_now(self, frame: Frame) -> bool:
        """Direct path only: write the frame (prepared once per process, kept on it) now; False if closed."""
        written = self.write_if_idle(frame)
        if written is None:
            self.queue_behind(frame)
        return written is not False

    def queue_behind(self, frame: Frame) -> None:
        """Direct path, for a socket ``write_if_idle`` found busy: after what is queued, through Twisted."""
        self.protocol.sendPreparedMessage(self._prepared(frame))

    def _prepared(self, frame: Frame) -> Any:
        """The frame as autobahn's prepared WebSocket message, built by the first socket that writes it."""
        if frame.prepared is None:
            frame.prepared = self.protocol.factory.prepareMessage(frame.text.encode())
        return frame.prepared

    async def send_frame(self, frame: Frame) -> None:
        """Send a frame's text: on the direct path as the WebSocket frame built once per process."""
        if self.mode == "direct":
            self.write_now(frame)
            return
        send_text = self._send_text
        if send_text is None or not self.is_open():
            return  # closing or closed: the viewer is gone, nothing to send
        try:
            await send_text(frame.text)
        except Disconnected:
            pass  # closed between the check and the send (a viewer leaving mid-batch)
