"""Admin changes reach open widget sockets: new settings, a fresh snapshot, or "offline"."""

import pytest
from channels.db import database_sync_to_async

from feed.protocol.close_codes import CloseCode
from feed.protocol.keys import game_key, names_key
from feed.store import get_store
from tests.frames import messages_in
from tests.sockets import connect, game
from widget import viewer_count

pytestmark = pytest.mark.django_db(transaction=True)


async def next_messages(communicator) -> list[dict]:
    return messages_in(await communicator.receive_from(timeout=3))


async def test_a_saved_widget_sends_its_new_settings_and_a_snapshot_to_open_sockets(widget):
    await get_store().set_many({game_key(5): game(5, round_=4).to_wire(), names_key("en"): {"5": "Keno", "3": "Poker"}})
    communicator = await connect(f"/ws/w/{widget.public_id}/")
    assert (await next_messages(communicator))[0]["type"] == "snapshot"
    widget.game_types = "5, 3"
    widget.show_jackpots = False
    widget.currency = "USD"
    await database_sync_to_async(widget.save)()
    config = (await next_messages(communicator))[0]
    assert config["type"] == "config" and config["enabled"] is True
    assert config["config"]["gameTypes"] == [5, 3]
    assert config["config"]["showJackpots"] is False and config["config"]["currency"] == "USD"
    assert config["theme"].startswith(f"/w/{widget.public_id}/theme.css?v=")
    snapshot = (await next_messages(communicator))[0]
    assert snapshot["type"] == "snapshot"
    assert list(snapshot["results"]) == ["5", "3"], "the socket follows the new game types"
    assert 5 in [game["t"] for game in snapshot["games"]]
    await communicator.disconnect()


async def test_a_theme_change_gives_a_new_stylesheet_version(widget):
    communicator = await connect(f"/ws/w/{widget.public_id}/")
    await next_messages(communicator)
    await database_sync_to_async(widget.save)()  # the first config gives the current version
    first = (await next_messages(communicator))[0]["theme"]
    await next_messages(communicator)  # its snapshot
    widget.theme.accent = "#7c2d12"
    await database_sync_to_async(widget.theme.save)()
    changed = (await next_messages(communicator))[0]
    assert changed["type"] == "config" and changed["theme"] != first
    await communicator.disconnect()


async def test_switching_a_widget_off_closes_its_sockets_as_offline(widget):
    communicator = await connect(f"/ws/w/{widget.public_id}/")
    await next_messages(communicator)
    widget.enabled = False
    await database_sync_to_async(widget.save)()
    assert (await communicator.receive_output(timeout=3))["code"] == CloseCode.OFFLINE


async def test_viewers_are_counted_per_widget_while_connected(widget):
    before = viewer_count.local_counts().get(widget.public_id, 0)
    sockets = [await connect(f"/ws/w/{widget.public_id}/") for _ in range(3)]
    for communicator in sockets:
        await communicator.receive_from()
    assert viewer_count.local_counts()[widget.public_id] == before + 3
    for communicator in sockets[:2]:
        await communicator.disconnect()
    assert viewer_count.local_counts()[widget.public_id] == before + 1
    await sockets[2].disconnect()
    assert viewer_count.local_counts().get(widget.public_id, 0) == before
