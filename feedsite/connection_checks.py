"""daphne's two periodic checks, over the connections that need them instead of all of them.

daphne walks every connection each second (``application_checker``: reap finished
applications, kill ones that outlive their connection) and every two seconds
(``timeout_checker``: lifetimes, handshake timeouts, keep-alive pings). With thousands of
open widget sockets that is a quarter of what an idle viewer costs in CPU, and a
loop stall of several milliseconds every second (docs/benchmarks.md, "What an idle
viewer costs in CPU"). The same checks run here, with the same outcomes, on:

- ``application_checker``: only the connections that disconnected or whose application
  finished (a done callback and ``protocol_disconnected`` put them on a list);
- ``timeout_checker``: an open WebSocket when its next ping or its lifetime falls due
  (re-checked lazily: a socket that received a frame meanwhile is put back further on),
  every other connection (HTTP requests, handshakes) at every pass, as daphne does.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import daphne.server  # noqa: F401  # installs Twisted's asyncio reactor, which daphne needs, before the import below
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet import reactor as installed_reactor

from feed import metrics

logger = logging.getLogger("daphne.server")  # daphne's own messages, under daphne's logger

# Twisted's stubs type the module-level reactor as its interfaces, whose methods lack ``self``.
reactor: Any = installed_reactor
TIMEOUT_PASS_SECONDS = 2  # daphne's interval for timeout_checker
APPLICATION_PASS_SECONDS = 1  # and for application_checker


class EventDrivenChecks:
    """Mixin for daphne's ``Server``: its checks without a walk over every connection."""

    connections: dict[Any, dict[str, Any]]
    application_close_timeout: float
    ping_interval: float
    websocket_timeout: float
    stop: Callable[[], None]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.needs_reaping: set[Any] = set()  # disconnected, or their application finished
        # Pass number -> the connections timeout_checker looks at in that pass (each in one),
        # weakly: a socket closed and reaped before its pass must not be kept until then.
        self.timeout_passes: defaultdict[int, list[weakref.ref[Any]]] = defaultdict(list)
        metrics.WEB_CONNECTIONS.set_function(lambda: len(self.connections))
        metrics.WEB_CONNECTIONS_REAPING.set_function(lambda: len(self.needs_reaping))

    # -- what puts a connection on a list ------------------------------------------------------

    def protocol_connected(self, protocol: Any) -> None:
        super().protocol_connected(protocol)  # type: ignore[misc]
        self._check_timeouts_at(protocol, time.time())

    def protocol_disconnected(self, protocol: Any) -> None:
        super().protocol_disconnected(protocol)  # type: ignore[misc]
        self.needs_reaping.add(protocol)

    def watch_application(self, protocol: Any, application_instance: asyncio.Future) -> None:
        """Called by ``create_application`` for each application it starts."""
        application_instance.add_done_callback(lambda _: self.needs_reaping.add(protocol))

    # -- the checks -------------------------------------------------------------------------

    def application_checker(self) -> None:
        for protocol in list(self.needs_reaping):
            details = self.connections.get(protocol)
            if details is None or self._reap(protocol, details):
                self.needs_reaping.discard(protocol)
        reactor.callLater(APPLICATION_PASS_SECONDS, self.application_checker)

    def _reap(self, protocol: Any, details: dict[str, Any]) -> bool:
        """daphne 4.2's per-connection step of ``application_checker``; True when nothing is left to
        watch (the connection is gone, or it is open and its application was reaped)."""
        disconnected = details.get("disconnected")
        application_instance = details.get("application_instance")
        overdue = disconnected and time.time() - disconnected > self.application_close_timeout
        if overdue and application_instance and not application_instance.done():
            logger.warning(
                "Application instance %r for connection %s took too long to shut down and was killed.",
                application_instance,
                repr(protocol),
            )
            application_instance.cancel()
        if application_instance and application_instance.done():
            try:
                exception = application_instance.exception()
            except asyncio.CancelledError:
                pass
            else:
                if exception:
                    if isinstance(exception, KeyboardInterrupt):
                        self.stop()
                    else:
                        logger.error("Exception inside application: %s", exception, exc_info=exception)
                        if not disconnected:
                            protocol.handle_exception(exception)
            del details["application_instance"]
            application_instance = None
        if not application_instance and disconnected:
            del self.connections[protocol]
            return True
        # Read again: handle_exception may have just disconnected it (an HTTP 500 finishes the
        # request at once), and then the next pass deletes it. Open: nothing more until it
        # disconnects; closing: again at the next pass.
        return details.get("disconnected") is None

    def timeout_checker(self) -> None:
        now = time.time()
        current = math.floor(now / TIMEOUT_PASS_SECONDS)
        for due in [number for number in self.timeout_passes if number <= current]:
            for ref in self.timeout_passes.pop(due):
                protocol = ref()
                if protocol is None or protocol not in self.connections:
                    continue  # closed and reaped: it leaves the passes here
                protocol.check_timeouts()
                self._check_timeouts_at(protocol, now)
        reactor.callLater(TIMEOUT_PASS_SECONDS, self.timeout_checker)

    def _check_timeouts_at(self, protocol: Any, now: float) -> None:
        """Put ``protocol`` in the pass of the slot its next check falls in (see below)."""
        due = now + TIMEOUT_PASS_SECONDS  # what daphne does for everything: the next pass
        if isinstance(protocol, WebSocketProtocol) and protocol.state == protocol.STATE_OPEN:
            # Nothing can fall due before its next ping or the end of its lifetime.
            due = max(due, protocol.last_ping + self.ping_interval)
            if self.websocket_timeout >= 0:
                due = min(due, protocol.socket_opened + self.websocket_timeout)
        # Rounded down: the first pass in that slot may come a little before ``due`` (it checks,
        # finds nothing due, and puts it in the next pass), never a whole pass after it.
        self.timeout_passes[math.floor(due / TIMEOUT_PASS_SECONDS)].append(weakref.ref(protocol))
