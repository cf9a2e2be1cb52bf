"""The smaller per-connection objects (feedsite/lean_connections.py) behave like the ones they replace."""

import asyncio

import pytest
from channels.testing import WebsocketCommunicator
from daphne.ws_protocol import WebSocketFactory

from feedsite.asgi import application
from feedsite.lean_connections import InputQueue, release_upgraded_http, with_factory_options
from widget.channel_free import NO_CHANNEL_ALIAS


async def test_the_input_queue_hands_messages_over_in_order_to_a_waiting_reader():
    queue = InputQueue()
    reader = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)  # the reader is waiting on an empty queue
    assert not reader.done()
    queue.put_nowait({"n": 1})
    queue.put_nowait({"n": 2})
    assert await reader == {"n": 1}
    assert await queue.get() == {"n": 2}
    emptied = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    assert not emptied.done(), "both were taken: the next reader waits"
    emptied.cancel()


async def test_the_input_queue_refuses_a_second_concurrent_reader_and_survives_a_cancelled_one():
    queue = InputQueue()
    first = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="two tasks"):
        await queue.get()
    first.cancel()  # daphne cancels an application whose client left
    with pytest.raises(asyncio.CancelledError):
        await first
    queue.put_nowait("after")
    assert await queue.get() == "after"


class FakeServer:
    server_name = "test"


def test_protocol_options_live_on_the_class_not_in_every_connection():
    factory = WebSocketFactory(FakeServer(), server="test")
    factory.setProtocolOptions(autoPingTimeout=7, allowNullOrigin=True)
    lean = with_factory_options(factory, closeHandshakeTimeout=5.0)
    assert lean.autoPingTimeout == 7 and lean.closeHandshakeTimeout == 5.0 and lean.lean
    protocol = lean()
    # A function option is called as the function it is, not as a method of the protocol.
    assert protocol.perMessageCompressionAccept([]) is None
    assert not set(lean.CONFIG_ATTRS) & set(vars(protocol))
    with pytest.raises(ValueError, match="closeTimeout"):
        with_factory_options(factory, closeTimeout=1)


async def test_a_widget_socket_refuses_to_start_if_its_reserved_alias_is_given_a_channel_layer(widget, settings):
    settings.CHANNEL_LAYERS = {
        **settings.CHANNEL_LAYERS,
        NO_CHANNEL_ALIAS: {"BACKEND": "channels.layers.InMemoryChannelLayer"},
    }
    communicator = WebsocketCommunicator(
        application, f"/ws/w/{widget.public_id}/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    with pytest.raises(RuntimeError, match="must have no channel"):
        await communicator.connect()


class FakeTcpTransport:
    """The part of Twisted's TCP transport that holds a registered producer."""

    def __init__(self) -> None:
        self.producer: object | None = None

    def registerProducer(self, producer: object, streaming: bool) -> None:
        self.producer = producer

    def unregisterProducer(self) -> None:
        self.producer = None


def test_the_http_connection_a_socket_was_upgraded_from_is_let_go():
    from twisted.web.http import HTTPChannel

    transport = FakeTcpTransport()
    channel = HTTPChannel()
    transport.registerProducer(channel, True)
    request = object()  # what daphne's upgrade request is to the channel: an entry in its list
    channel.requests.append(request)
    release_upgraded_http(transport)
    assert transport.producer is None
    assert channel.requests == [], "the channel <-> request cycle is broken, so reference counting frees both"


def test_any_other_producer_stays_registered():
    transport = FakeTcpTransport()
    producer = object()
    transport.registerProducer(producer, True)
    release_upgraded_http(transport)
    assert transport.producer is producer


def test_an_open_socket_keeps_only_the_headers_its_origin_is_checked_against_again():
    from widget.socket_origin import keep_only_origin_headers, origin_allowed

    headers = [
        (b"host", b"widgets.example"),
        (b"origin", b"https://partner.example"),
        (b"user-agent", b"Mozilla/5.0 " + b"x" * 300),
        (b"cookie", b"sessionid=secret"),
        (b"X-Forwarded-Proto", b"https"),
    ]
    scope = {"type": "websocket", "headers": headers}
    copy = dict(scope, url_route={})  # routers copy the scope; the header list is shared
    keep_only_origin_headers(copy)
    assert scope["headers"] is headers
    assert [name for name, _ in headers] == [b"host", b"origin", b"X-Forwarded-Proto"]
    assert origin_allowed(scope, ["https://partner.example"])
    assert not origin_allowed(scope, ["https://other.example"])


class LoggingServer:
    def log_action(self, protocol: str, action: str, details: dict) -> None:
        self.logged = (protocol, action, details)


def test_once_open_a_connection_keeps_neither_handshake_leftovers_nor_flags_at_their_initial_value():
    from types import SimpleNamespace

    factory = WebSocketFactory(FakeServer(), server="test")
    protocol = with_factory_options(factory)()
    protocol.server, protocol.client_addr = LoggingServer(), ["127.0.0.1", 5000]
    protocol.request = SimpleNamespace(path="/ws/w/abc/")
    headers = {"host": "widgets.example", "user-agent": "Mozilla/5.0"}
    protocol.http_headers, protocol.http_request_data = headers, b"GET /ws/w/abc/ HTTP/1.1\r\n..."
    protocol.wasClean, protocol.localCloseCode, protocol.closedByMe = False, None, True
    protocol.onOpen()
    assert protocol.server.logged[1] == "connected", "daphne's own onOpen ran"
    assert headers == {}, "the parsed headers are freed (the request object shares the dict)"
    kept = vars(protocol)
    assert "http_request_data" not in kept and "http_headers" not in kept
    assert "wasClean" not in kept and protocol.wasClean is False and protocol.localCloseCode is None
    assert kept["closedByMe"] is True, "a flag that changed stays the connection's own"
    protocol.wasClean = True  # autobahn setting a flag later sets it on the connection, not the class
    assert type(protocol).wasClean is False
