import asyncio
import json

import pytest
from channels.testing import WebsocketCommunicator

from feed.protocol.browser import GameChange
from feed.protocol.close_codes import CloseCode
from feed.protocol.events import FeedEvent, Position
from feed.protocol.keys import game_key, names_key
from feed.store import get_store
from feedsite.asgi import application
from tests.frames import MessageReader, messages_in
from tests.sockets import connect, game, game_change, publish

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_snapshot_on_connect_then_changes_relayed(widget):
    await get_store().set_many({game_key(3): game(3, round_=9).to_wire(), names_key("en"): {"3": "Poker"}})
    communicator = await connect(f"/ws/w/{widget.public_id}/")
    snapshot = json.loads(await communicator.receive_from())
    assert snapshot["type"] == "snapshot"
    assert snapshot["games"] == [game(3, round_=9).to_wire()]
    assert snapshot["names"]["3"] == "Poker"
    change = game_change(3, round=10)
    await publish(change)
    assert json.loads(await communicator.receive_from()) == change.to_wire()
    await communicator.disconnect()


async def test_an_unknown_widget_is_closed_with_4404(db):
    communicator = WebsocketCommunicator(application, "/ws/w/nope/", headers=[(b"origin", b"http://127.0.0.1")])
    await communicator.connect()
    assert await communicator.receive_output() == {"type": "websocket.close", "code": CloseCode.UNKNOWN_WIDGET}


async def test_a_disabled_widget_is_closed_with_4404(widget):
    widget.enabled = False
    await widget.asave()
    communicator = WebsocketCommunicator(
        application, f"/ws/w/{widget.public_id}/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    await communicator.connect()
    assert (await communicator.receive_output())["code"] == CloseCode.UNKNOWN_WIDGET


async def test_a_foreign_origin_cannot_open_the_socket(widget):
    communicator = WebsocketCommunicator(
        application, f"/ws/w/{widget.public_id}/", headers=[(b"origin", b"https://evil.example")]
    )
    connected, _ = await communicator.connect()
    assert not connected


async def test_pause_stops_updates_and_resume_resyncs(widget):
    communicator = await connect(f"/ws/w/{widget.public_id}/")
    await communicator.receive_from()
    await communicator.send_to(json.dumps({"type": "pause"}))
    await communicator.send_to(json.dumps({"type": "nonsense"}))
    # Messages are handled in order: the snapshot answering this resync proves the pause was applied.
    await communicator.send_to(json.dumps({"type": "resync"}))
    assert json.loads(await communicator.receive_from())["type"] == "snapshot"
    await publish(game_change(3, round=11))
    await communicator.send_to(json.dumps({"type": "resume"}))
    # The change sent while paused never arrives: the next frame is resume's snapshot.
    assert json.loads(await communicator.receive_from())["type"] == "snapshot"
    await communicator.disconnect()


async def test_a_gap_in_the_feed_sequence_resyncs_the_viewers_of_that_group(widget):
    # Redis pub/sub drops what is published while a web process reconnects; the worker's
    # per-group sequence numbers let the web process notice and send a fresh snapshot.
    from widget.fanout import RESYNC_DEBOUNCE, local_fanout

    now = [1000.0]
    local_fanout().clock = lambda: now[0]  # the fan-out of this test's loop, on a clock the test moves
    communicator = await connect(f"/ws/w/{widget.public_id}/")
    await communicator.receive_from()

    async def publish_at(epoch: str, seq: int) -> None:
        await publish(game_change(3, round=seq), position=Position(epoch, seq))

    reader = MessageReader(communicator.receive_from)
    await publish_at("a", 1)
    await publish_at("a", 2)
    assert [(await reader.next())["type"] for _ in range(2)] == ["game", "game"]
    await publish_at("a", 5)  # 3 and 4 were lost
    assert (await reader.next())["type"] == "snapshot"
    assert (await reader.next())["changes"] == {"round": 5}
    now[0] += RESYNC_DEBOUNCE / 2
    await publish_at("b", 1)  # a new worker took over, within the debounce: no second snapshot yet
    assert (await reader.next())["changes"] == {"round": 1}
    now[0] += RESYNC_DEBOUNCE  # resyncs are debounced per viewer
    await publish_at("c", 1)
    assert (await reader.next())["type"] == "snapshot"
    assert (await reader.next())["type"] == "game"
    await communicator.disconnect()


async def test_a_resync_the_store_could_not_answer_is_tried_again_at_the_next_gap(widget, monkeypatch):
    # Just after a Redis restart the web process may notice the gap before it can read the
    # store; the debounce must not then keep the viewer without a snapshot until it asks.
    from widget import delivery
    from widget.fanout import local_fanout

    local_fanout().clock = lambda: 1000.0  # every gap below falls within one debounce
    communicator = await connect(f"/ws/w/{widget.public_id}/")
    await communicator.receive_from()
    read = delivery.read_snapshot_message
    failing = {"reads": 1}

    async def read_unless_failing(*args, **kwargs):
        if failing["reads"]:
            failing["reads"] -= 1
            raise ConnectionError("store unreachable")
        return await read(*args, **kwargs)

    monkeypatch.setattr(delivery, "read_snapshot_message", read_unless_failing)
    reader = MessageReader(communicator.receive_from)
    for seq in (1, 3):  # 2 was lost; the snapshot cannot be read
        await publish(game_change(3, round=seq), position=Position("a", seq))
    assert [(await reader.next())["changes"] for _ in range(2)] == [{"round": 1}, {"round": 3}]
    assert failing["reads"] == 0
    await publish(game_change(3, round=5), position=Position("a", 5))  # 4 lost too
    assert (await reader.next())["type"] == "snapshot", "tried again, though within the debounce"
    assert (await reader.next())["changes"] == {"round": 5}
    await communicator.disconnect()


async def test_oversized_frames_and_floods_close_the_socket(widget):
    communicator = await connect(f"/ws/w/{widget.public_id}/")
    await communicator.receive_from()
    await communicator.send_to("x" * 5000)
    assert (await communicator.receive_output())["code"] == CloseCode.TOO_BIG
    flooder = await connect(f"/ws/w/{widget.public_id}/")
    await flooder.receive_from()
    for _ in range(30):
        await flooder.send_to("{}")
    output = await flooder.receive_output()
    assert output == {"type": "websocket.close", "code": CloseCode.TOO_CHATTY}


async def test_a_viewer_that_stops_reading_gets_updates_dropped_then_one_snapshot(widget, monkeypatch):
    from feed import metrics
    from widget import consumers

    backlog = {"bytes": 0}
    monkeypatch.setattr(consumers.WidgetConsumer, "_backlog", lambda self: backlog["bytes"])
    communicator = await connect(f"/ws/w/{widget.public_id}/")
    await communicator.receive_from()
    dropped_before = metrics.MESSAGES_DROPPED._value.get()
    backlog["bytes"] = consumers.MAX_BACKLOG_BYTES + 1  # the phone stopped reading
    for round_number in range(20):
        await publish(game_change(3, round=round_number))
    while metrics.MESSAGES_DROPPED._value.get() - dropped_before < 20:  # all 20 reached the fan-out
        await asyncio.sleep(0.01)
    assert metrics.MESSAGES_DROPPED._value.get() - dropped_before == 20
    backlog["bytes"] = 0  # it drains: the next update is replaced by one fresh snapshot
    await publish(game_change(3, round=99))
    reader = MessageReader(communicator.receive_from)
    assert (await reader.next())["type"] == "snapshot", "nothing dropped was sent; the snapshot replaces it"
    await publish(game_change(3, round=100))
    assert (await reader.next())["changes"] == {"round": 100}, "then updates flow again"
    await communicator.disconnect()


async def test_messages_that_arrive_together_go_out_as_one_frame_shared_by_viewers_of_the_same_games():
    from channels.layers import InMemoryChannelLayer

    from widget.fanout import LocalFanout
    from widget.frames import Frame

    class Viewer:
        def __init__(self, expected: int, hold: asyncio.Event | None = None) -> None:
            self.frames: list[Frame] = []
            self.hold, self.expected = hold, expected
            self.writing, self.done = asyncio.Event(), asyncio.Event()

        def deliver_now(self, frame: Frame) -> bool | None:
            return None  # always the async path here, which records the frame

        async def deliver(self, frame: Frame) -> int:
            self.frames.append(frame)
            self.writing.set()
            if len(self.frames) == self.expected:
                self.done.set()
            if self.hold is not None and len(self.frames) == 1:
                await self.hold.wait()  # a slow first write keeps the sender busy
            return frame.messages

        async def resync(self) -> bool:
            raise AssertionError("no gap, no resync")

        async def reconfigure(self, event: FeedEvent) -> None:
            raise AssertionError("no admin change here")

    def event(group: str, round_: int) -> dict:
        return FeedEvent.of(GameChange(3, {"round": round_}, 0), group, 0.0).encode()

    layer = InMemoryChannelLayer()
    fanout = LocalFanout(layer)
    release = asyncio.Event()
    both, other, only_3 = Viewer(2, hold=release), Viewer(2), Viewer(2)
    await fanout.join(["g3", "g5"], both)
    await fanout.join(["g3", "g5"], other)
    await fanout.join(["g3"], only_3)
    await layer.group_send("g3", event("g3", 1))
    await both.writing.wait()  # the sender is now busy with message 1
    for round_, group in [(2, "g5"), (3, "g3"), (4, "g5")]:
        await layer.group_send(group, event(group, round_))
    while len(fanout.pending) < 3:  # all three wait for the sender
        await asyncio.sleep(0)
    release.set()
    for viewer in (both, other, only_3):
        await asyncio.wait_for(viewer.done.wait(), 2)
    rounds = lambda frame: [m["changes"]["round"] for m in messages_in(frame.text)]  # noqa: E731
    assert [rounds(frame) for frame in both.frames] == [[1], [2, 3, 4]]  # in order, one write for three
    assert both.frames[1] is other.frames[1]  # built once for every viewer of the same games
    assert [rounds(frame) for frame in only_3.frames] == [[1], [3]]
    assert only_3.frames[1] is not both.frames[1]
    assert only_3.frames[1] is both.frames[1].parts[1], "each message's own frame is shared too"
    fanout.reader.cancel(), fanout.sender.cancel()


@pytest.mark.parametrize("path", ["/ws/", "/ws/other/", "/ws/w/", "/nothing"])
async def test_sockets_to_unrouted_paths_are_refused_quietly(path, caplog):
    communicator = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://127.0.0.1")])
    connected, _ = await communicator.connect()
    assert connected is False
    await communicator.wait()
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_one_address_may_hold_only_so_many_widget_sockets(widget, settings, monkeypatch):
    from widget import socket_limits

    monkeypatch.setattr(socket_limits, "SOCKETS_PER_ADDRESS", {})  # earlier tests leave communicators open
    settings.WIDGET_SOCKETS_PER_CLIENT = 3
    open_ = [await connect(f"/ws/w/{widget.public_id}/") for _ in range(3)]
    for communicator in open_:
        await communicator.receive_from()
    refused = await connect(f"/ws/w/{widget.public_id}/")
    assert (await refused.receive_output())["code"] == CloseCode.TOO_MANY
    other = WebsocketCommunicator(
        application, f"/ws/w/{widget.public_id}/", headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    )
    other.scope["client"] = ("198.51.100.7", 40000)
    connected, _ = await other.connect()
    assert connected and json.loads(await other.receive_from())["type"] == "snapshot", "others are not affected"
    await open_[0].disconnect()
    again = await connect(f"/ws/w/{widget.public_id}/")
    assert json.loads(await again.receive_from())["type"] == "snapshot", "a freed place can be taken again"
    for communicator in [*open_[1:], other, again]:
        await communicator.disconnect()


@pytest.mark.parametrize(
    ("origin", "host", "proto", "allowed"),
    [
        (b"http://127.0.0.1:8000", b"127.0.0.1:8000", None, True),  # the widget's own page
        (b"http://127.0.0.1:9999", b"127.0.0.1:8000", None, False),  # another port on the same host
        (b"http://127.0.0.1", b"127.0.0.1:8000", None, False),
        (b"https://127.0.0.1:8000", b"127.0.0.1:8000", b"https", True),  # behind a TLS proxy
        (b"http://127.0.0.1:8000", b"127.0.0.1:8000", b"https", False),  # plain http when TLS is in front
        (b"https://partner.example", b"127.0.0.1:8000", None, True),  # one of the widget's partners
        (b"https://partner.example:8443", b"127.0.0.1:8000", None, False),
        (b"http://localhost:8123", b"127.0.0.1:8000", None, True),  # partner origin listed with its port
    ],
)
async def test_socket_origins_must_match_exactly(widget, origin, host, proto, allowed):
    headers = [(b"origin", origin), (b"host", host)] + ([(b"x-forwarded-proto", proto)] if proto else [])
    communicator = WebsocketCommunicator(application, f"/ws/w/{widget.public_id}/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected is allowed
    if connected:
        await communicator.disconnect()


async def test_a_save_data_viewer_is_counted_for_the_messages_it_was_sent_not_for_those_filtered(widget):
    from feed import metrics
    from feed.protocol.browser import JackpotsMessage
    from feed.protocol.keys import jackpots_group

    communicator = await connect(f"/ws/w/{widget.public_id}/")
    reader = MessageReader(communicator.receive_from)
    await reader.next()  # the snapshot
    await communicator.send_to(json.dumps({"type": "lite", "on": True}))
    await communicator.send_to(json.dumps({"type": "resync"}))
    assert (await reader.next())["type"] == "snapshot", "lite is on before anything is published"
    sent_before = metrics.MESSAGES_SENT._value.get()
    received = []
    for round_number in (1, 2):  # the second jackpots update comes within the Save-Data interval
        await publish(JackpotsMessage(()), jackpots_group(widget.currency))
        await publish(game_change(3, round=round_number))
        while (message := await reader.next())["type"] != "game":
            received.append(message["type"])
        assert message["changes"] == {"round": round_number}
    assert received == ["jackpots"]
    assert metrics.MESSAGES_SENT._value.get() - sent_before == 3, "two game changes and the first jackpots"
    await communicator.disconnect()
