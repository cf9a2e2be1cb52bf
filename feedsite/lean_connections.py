"""Less memory per open connection: what daphne and autobahn keep for each one, made smaller.

An idle widget viewer is mostly the objects its server keeps for the connection
(``bench/memory_census.py``; docs/benchmarks.md, memory per idle viewer). Two of
them are larger than they need to be, and both are changed here without changing
behaviour:

- daphne makes an ``asyncio.Queue`` per connection for the application's ``receive``;
  it allocates four deques up front (its items, getters, putters and an ``Event``'s
  waiters), about 3 KB. ``InputQueue`` is what daphne uses of it, in one list.
- autobahn copies its 29 protocol options from the factory into every connection's
  instance dict, unless the protocol class already has them (its documented way to
  configure a protocol individually). ``with_factory_options`` makes a protocol class
  that has them; once the socket is open it drops what the handshake parsed and the
  flags still at their initial value (the class holds those), and compacts what is left:
  the instance dict goes from 100 entries to about 40.
- daphne upgrades a WebSocket from an HTTP request, and the HTTP connection object stays
  registered as the transport's producer for the socket's whole life, holding the
  request it upgraded (headers twice, the body buffer, cookies): about 3 KB.
  ``release_upgraded_http`` unregisters it.
"""

from __future__ import annotations

import asyncio
from typing import Any


class InputQueue:
    """What daphne needs of the ``asyncio.Queue`` it makes per connection.

    daphne only calls ``put_nowait`` and hands ``get`` to the application as
    ``receive``, which one task awaits at a time.
    """

    # No __len__ or __bool__: daphne tests ``if self.application_queue:`` before sending
    # ``http.disconnect``, so the queue must stay truthy when empty, as asyncio.Queue is.
    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> Any:
        while not self._items:
            if self._waiter is not None:
                raise RuntimeError("InputQueue.get awaited by two tasks at once")
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.pop(0)


# What autobahn's opening handshake parses and keeps, read by nothing once the socket is open.
HANDSHAKE_ONLY = (
    "http_request_data",
    "http_response_data",
    "http_headers",
    "http_status_line",
    "http_request_uri",
    "http_request_path",
    "http_request_params",
    "http_request_host",
    "websocket_origin",
    "websocket_protocols",
    "websocket_extensions",
)

# The flags and timer handles autobahn (26.10) sets on every connection before it opens,
# with their initial values; while a connection's value is still that, the class holds it.
INITIAL_STATE: dict[str, Any] = {
    **dict.fromkeys(
        (
            "wasMaxFramePayloadSizeExceeded",
            "wasMaxMessagePayloadSizeExceeded",
            "closedByMe",
            "failedByMe",
            "droppedByMe",
            "wasClean",
            "wasServerConnectionDropTimeout",
            "wasOpenHandshakeTimeout",
            "wasCloseHandshakeTimeout",
            "wasServingFlashSocketPolicyFile",
            "triggered",
            "inside_message",
        ),
        False,
    ),
    **dict.fromkeys(
        (
            "wasNotCleanReason",
            "localCloseCode",
            "localCloseReason",
            "remoteCloseCode",
            "remoteCloseReason",
            "openHandshakeTimeoutCall",
            "closeHandshakeTimeoutCall",
            "autoPingTimeoutCall",
            "autoPingPending",
            "autoPingPendingCall",
            "autoPingPendingSent",
            "trackedTimings",
            "current_frame",
        ),
        None,
    ),
}


def state_value_is(value: Any, initial: Any) -> bool:
    """The same value, and of the same type (``0 == False`` but a counter is not a flag)."""
    return type(value) is type(initial) and value == initial


def with_factory_options(factory: Any, **overrides: Any) -> type:
    """A subclass of ``factory.protocol`` holding the factory's options (and ``overrides``) as class attributes."""
    base = factory.protocol
    options = {name: getattr(factory, name) for name in base.CONFIG_ATTRS}
    unknown = set(overrides) - set(options)
    if unknown:
        raise ValueError(f"not autobahn protocol options: {sorted(unknown)}")
    options.update(overrides)
    for name, value in options.items():
        if callable(value):  # a function (perMessageCompressionAccept) must not become a method
            options[name] = staticmethod(value)

    def onOpen(self: Any) -> None:
        base.onOpen(self)
        state = vars(self)
        headers = state.get("http_headers")
        if isinstance(headers, dict):
            headers.clear()  # also the request's headers: autobahn hands on the same dict
        # The opening handshake is over and nothing reads these again.
        for name in HANDSHAKE_ONLY:
            state.pop(name, None)
        # Flags still at their initial value read the same from the class.
        for name, value in list(state.items()):
            if name in INITIAL_STATE and state_value_is(value, INITIAL_STATE[name]):
                del state[name]
        # A dict does not shrink when entries are deleted: a copy is sized for what is left.
        self.__dict__ = dict(state)

    namespace = {
        **INITIAL_STATE,
        **options,
        "onOpen": onOpen,
        "lean": True,
        "__doc__": f"{base.__name__} with {type(factory).__name__}'s options.",
    }
    return type(f"Lean{base.__name__}", (base,), namespace)


def release_upgraded_http(transport: Any) -> None:
    """Let go of the HTTP connection a WebSocket was upgraded from (Twisted's documented ``unregisterProducer``).

    Twisted's ``HTTPChannel`` registers itself as its transport's streaming producer. After
    daphne hands the transport to the WebSocket protocol it stays registered, but does
    nothing there: its ``pauseProducing`` and ``resumeProducing`` only touch the network
    while no request is being handled, and the upgrade request is never finished. So
    unregistering changes no behaviour, and the channel and its request are freed as soon
    as daphne's handling of the upgrade returns.
    """
    from twisted.web.http import HTTPChannel

    # Plain TCP only (``producer`` is the TCP transport's public attribute). Under daphne's
    # own TLS the channel stays: production terminates TLS in nginx, and the TLS wrapper
    # keeps its producer in private attributes.
    channel = getattr(transport, "producer", None)
    if isinstance(channel, HTTPChannel):
        transport.unregisterProducer()
        # The channel and its request refer to each other: without this, only a full garbage
        # collection (spaced out by feed/gcwatch.py) would free them. Should Twisted rename
        # the list, they are still freed, later.
        requests = getattr(channel, "requests", None)
        if isinstance(requests, list):
            requests.clear()
