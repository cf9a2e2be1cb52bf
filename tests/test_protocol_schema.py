"""Every message kind the worker, the admin and the widget socket produce, validated against the protocol.

Like Zulip's test_events: the real code paths run (the feed worker against the sandbox,
an admin save, a widget socket and the messages a browser sends it), everything that
crosses a boundary is recorded, and each recorded message must decode into its typed
class and encode back to exactly the same data. The test fails if any kind of any
direction was never produced, so a new kind must come with a way to produce it here.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer

from betcore.rest import BetcoreRest
from feed.audience import Wanted
from feed.protocol import browser, client, js
from feed.protocol.close_codes import FINAL, CloseCode
from feed.protocol.events import EventKind, FeedEvent
from feed.protocol.schema import ProtocolError, dump
from feed.store import get_store
from feed.worker import FeedWorker, WorkerConfig
from sandbox import Sandbox
from tests.sockets import connect
from widget.consumers import WidgetConsumer

pytestmark = pytest.mark.django_db(transaction=True)

WIDGET_JS = Path(__file__).resolve().parents[1] / "static" / "widget" / "widget.js"


class Recorded:
    def __init__(self) -> None:
        self.events: list[dict] = []  # worker/admin -> web processes, as sent on the channel layer
        self.frames: list[str] = []  # server -> browser, as the socket sent them
        self.client: list[client.ClientMessage] = []  # browser -> server, as the consumer decoded them

    def browser_kinds(self) -> set[str]:
        return {message.kind for frame in self.frames for message in browser.decode(frame)}


@pytest.fixture
def recorded(monkeypatch) -> Recorded:
    record = Recorded()
    group_send = InMemoryChannelLayer.group_send

    async def recording_group_send(self, group, message):
        record.events.append(dict(message))
        await group_send(self, group, message)

    monkeypatch.setattr(InMemoryChannelLayer, "group_send", recording_group_send)
    handle = WidgetConsumer.handle

    async def recording_handle(self, message):
        record.client.append(message)
        await handle(self, message)

    monkeypatch.setattr(WidgetConsumer, "handle", recording_handle)
    return record


async def test_every_message_kind_is_produced_and_matches_the_schema(widget, recorded):
    assert isinstance(get_channel_layer(), InMemoryChannelLayer), "the test settings' layer is the one recorded"
    socket = await connect(f"/ws/w/{widget.public_id}/?lang=ru")

    async def read_until(kinds: set[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not kinds <= recorded.browser_kinds():
            missing = kinds - recorded.browser_kinds()
            assert time.monotonic() < deadline, f"the socket never sent {sorted(missing)}"
            recorded.frames.append(await socket.receive_from(timeout=deadline - time.monotonic()))

    await read_until({"snapshot"}, 5)
    with Sandbox(seed=5, speed=6.0, ping_interval=1.0) as sandbox:

        async def wanted() -> Wanted:
            return Wanted(game_types=(3, 1), languages=("en", "ru"))

        config = WorkerConfig(sandbox.hub_url, 1, silence_seconds=2.0, jackpots_poll=0.5, reconnect_max=1.0)
        rest = BetcoreRest(sandbox.api_url, 1, "sandbox-secret")
        worker = FeedWorker(config, rest, get_store(), get_channel_layer(), wanted)
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop))
        try:
            await read_until({"game", "result", "jackpots", "names", "status"}, 40)
        finally:
            stop.set()
            await asyncio.wait_for(running, 15)

    widget.currency = "USD"
    await database_sync_to_async(widget.save)()  # the admin's change: a config message, then a snapshot
    await read_until({"config"}, 5)
    recorded.frames.append(await socket.receive_from(timeout=5))  # the snapshot after it

    sent = [
        client.Lite(on=True),
        client.Lite(on=False),
        client.Tap(3),
        client.Pause(),
        client.Resume(),
        client.Resync(),
    ]
    for message in sent:
        await socket.send_to(text_data=client.encode(message))
    while len(recorded.client) < len(sent):  # the resync's snapshot (last) proves all were handled
        recorded.frames.append(await socket.receive_from(timeout=5))
    await socket.disconnect()

    # Worker (and admin) -> web processes: every kind, each decoding and encoding back to the same event.
    assert {event["type"] for event in recorded.events} == {kind.value for kind in EventKind}
    for event in recorded.events:
        decoded = FeedEvent.decode(event)
        assert decoded.encode() == event
        assert [message.kind for message in browser.decode(decoded.text)] == [decoded.kind.value]

    # Server -> browser: every kind; each frame is exactly the encoding of the messages it decodes to.
    assert recorded.browser_kinds() == browser.KINDS
    for frame in recorded.frames:
        messages = browser.decode(frame)
        texts = [browser.encode(message) for message in messages]
        assert frame == (texts[0] if len(texts) == 1 and not frame.startswith("[") else "[" + ",".join(texts) + "]")
        assert all(browser.decode(text) == [message] for text, message in zip(texts, messages, strict=True))

    # Browser -> server: every kind the consumer accepts was received and decoded as sent.
    assert recorded.client == sent
    assert {message.kind for message in recorded.client} == client.KINDS


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"type": "tap", "t": "3"}', "tap.t must be an integer, not str"),
        ('{"type": "tap", "t": true}', "tap.t must be an integer, not bool"),
        ('{"type": "tap"}', "tap: missing t"),
        ('{"type": "lite", "on": 1}', "lite.on must be a boolean, not int"),
        ('{"type": "resync", "all": true}', "resync: unexpected all"),
        ('{"type": "reload"}', "unknown message type 'reload'"),
        ("[]", "frame must be an object, not list"),
        ("not json", "frame is not JSON"),
        (None, "binary frames are not part of the protocol"),
    ],
)
def test_browser_messages_that_are_not_the_protocol_are_refused_with_the_reason(text, reason):
    with pytest.raises(ProtocolError) as refused:
        client.decode(text)
    assert str(refused.value) == reason


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"type": "feed.message", "group": "g", "text": "{}", "sent": 1.0}, "unknown event type 'feed.message'"),
        ({"type": "game", "group": "g", "text": "{}", "sent": 1.0, "kind": "game"}, "event: unexpected kind"),
        ({"type": "game", "group": "g", "text": "{}", "sent": 1.0, "seq": 1}, "event position: missing epoch"),
        ({"type": "game", "group": "g", "sent": 1.0}, "event: missing text"),
    ],
)
def test_channel_layer_events_that_are_not_the_protocol_are_refused_with_the_reason(event, reason):
    with pytest.raises(ProtocolError) as refused:
        FeedEvent.decode(event)
    assert str(refused.value) == reason


def test_a_game_change_names_only_game_fields_with_their_types():
    with pytest.raises(ProtocolError, match=r"game.changes: unexpected colour"):
        browser.decode(dump({"type": "game", "t": 3, "changes": {"colour": "red"}, "tst": 1}))
    with pytest.raises(ProtocolError, match=r"game.changes.deadline must be an integer or null, not str"):
        browser.decode(dump({"type": "game", "t": 3, "changes": {"deadline": "soon"}, "tst": 1}))


def test_widget_js_holds_the_generated_constants_and_handles_every_browser_message():
    source = WIDGET_JS.read_text(encoding="utf-8")
    assert js.with_block(source) == source, "widget.js differs from `python -m feed.protocol.js --write`"
    assert js.block() in source
    assert "FINAL_CLOSE_CODES.includes(event.code)" in source
    assert {CloseCode.UNKNOWN_WIDGET, CloseCode.OFFLINE} == FINAL
    assert not re.search(r"\b4[0-9]{3}\b", source.replace(js.block(), "")), "close codes only in the generated block"
    handlers = source[source.index("const handlers = {") : source.index("\n};", source.index("const handlers = {"))]
    assert set(re.findall(r"^  (\w+)(?:\(|:)", handlers, re.MULTILINE)) == browser.KINDS
    sends = set(re.findall(r'send\(\{ type: "(\w+)"', source + (WIDGET_JS.parent / "play.js").read_text()))
    assert sends | {"resume", "pause"} == client.KINDS, "the browser sends only what the consumer accepts"


def test_json_text_is_compact_and_keeps_non_ascii_names():
    message = browser.NamesMessage("ru", {3: "Покер"})
    assert browser.encode(message) == '{"type":"names","lang":"ru","names":{"3":"Покер"}}'
    assert json.loads(browser.encode(message))["names"] == {"3": "Покер"}
