import asyncio
import json

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from feed.present import encode, group_for_game
from feed.store import get_store
from feedsite.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


async def connect(path: str, origin: bytes = b"http://127.0.0.1") -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path, headers=[(b"origin", origin), (b"host", b"127.0.0.1")])
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def test_a_snapshot_on_connect_then_changes_relayed(widget):
    await get_store().set_many({"game:3": {"t": 3, "round": 9, "state": "active"}, "names:en": {"3": "Poker"}})
    communicator = await connect(f"/ws/w/{widget.public_id}/")
    snapshot = json.loads(await communicator.receive_from())
    assert snapshot["type"] == "snapshot"
    assert snapshot["games"] == [{"t": 3, "round": 9, "state": "active"}]
    assert snapshot["names"]["3"] == "Poker"
    change = {"type": "game", "t": 3, "changes": {"round": 10}}
    await get_channel_layer().group_send(
        group_for_game(3), {"type": "feed.message", "group": group_for_game(3), "text": encode(change)}
    )
    assert json.loads(await communicator.receive_from()) == change
    await communicator.disconnect()


async def test_an_unknown_widget_is_closed_with_4404(db):
    communicator = WebsocketCommunicator(application, "/ws/w/nope/", headers=[(b"origin", b"http://127.0.0.1")])
    await communicator.connect()
    assert await communicator.receive_output() == {"type": "websocket.close", "code": 4404}


async def test_a_disabled_widget_is_closed_with_4404(widget):
    widget.enabled = False
    await widget.asave()
    communicator = WebsocketCommunicator(
        application, f"/ws/w/{widget.public_id}/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    await communicator.connect()
    assert (await communicator.receive_output())["code"] == 4404


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
    await asyncio.sleep(0.1)  # the socket handles its messages on its own task
    change = {"type": "game", "t": 3, "changes": {"round": 11}}
    await get_channel_layer().group_send(
        group_for_game(3), {"type": "feed.message", "group": group_for_game(3), "text": encode(change)}
    )
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.send_to(json.dumps({"type": "resume"}))
    assert json.loads(await communicator.receive_from())["type"] == "snapshot"
    await communicator.disconnect()


async def test_oversized_frames_and_floods_close_the_socket(widget):
    communicator = await connect(f"/ws/w/{widget.public_id}/")
    await communicator.receive_from()
    await communicator.send_to("x" * 5000)
    assert (await communicator.receive_output())["code"] == 1009
    flooder = await connect(f"/ws/w/{widget.public_id}/")
    await flooder.receive_from()
    for _ in range(30):
        await flooder.send_to("{}")
    output = await flooder.receive_output()
    assert output == {"type": "websocket.close", "code": 4429}
