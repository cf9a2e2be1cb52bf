"""``Publisher.together``: a hub push's saves and broadcasts go out at once, in order."""

import asyncio
import json
from typing import Any

from feed.protocol.browser import GameChange
from feed.protocol.events import FeedEvent
from feed.publisher import Publisher
from feed.store import MemoryStore


class RecordingLayer:
    """A channel layer that records what was sent, and when relative to the store's writes."""

    def __init__(self, log: list[Any]) -> None:
        self.log = log

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        self.log.append(("send", group, FeedEvent.decode(message)))


class RecordingStore(MemoryStore):
    def __init__(self, log: list[Any]) -> None:
        super().__init__()
        self.log = log

    async def set_many(self, items: dict[str, Any]) -> None:
        self.log.append(("save", sorted(items)))
        await super().set_many(items)


async def test_held_saves_go_in_one_write_before_any_broadcast_and_each_group_keeps_its_order():
    log: list[Any] = []
    publisher = Publisher(RecordingStore(log), RecordingLayer(log), dict)
    async with publisher.together():
        await publisher.save({"game:3": {"round": 1}})
        await publisher.broadcast("game.3", GameChange(3, {"round": 1}, 0))
        async with publisher.together():  # nested: the outer block sends
            await publisher.save({"game:5": {"round": 7}})
            await publisher.broadcast("game.5", GameChange(5, {"round": 7}, 0))
        await publisher.broadcast("game.3", GameChange(3, {"round": 2}, 0))
        assert log == [], "nothing leaves before the block ends"
    assert log[0] == ("save", ["game:3", "game:5"])
    sends = [(group, event.position.seq, json.loads(event.text)["changes"]) for _, group, event in log[1:]]
    assert sorted(sends) == [("game.3", 1, {"round": 1}), ("game.3", 2, {"round": 2}), ("game.5", 1, {"round": 7})]
    assert [s for s in sends if s[0] == "game.3"] == [("game.3", 1, {"round": 1}), ("game.3", 2, {"round": 2})]


async def test_outside_a_block_each_save_and_broadcast_goes_at_once():
    log: list[Any] = []
    publisher = Publisher(RecordingStore(log), RecordingLayer(log), dict)
    await publisher.save({"game:3": {"round": 1}})
    assert log == [("save", ["game:3"])]
    await publisher.broadcast("game.3", GameChange(3, {"round": 1}, 0))
    assert log[1][:2] == ("send", "game.3")


async def test_a_broadcast_from_another_task_while_the_store_is_written_keeps_the_group_in_sequence():
    log: list[Any] = []
    written = asyncio.Event()
    release = asyncio.Event()

    class SlowStore(RecordingStore):
        async def set_many(self, items: dict[str, Any]) -> None:
            written.set()
            await release.wait()  # the push's store write is still under way...
            await super().set_many(items)

    publisher = Publisher(SlowStore(log), RecordingLayer(log), dict)

    async def push() -> None:
        async with publisher.together():
            await publisher.save({"game:3": {"round": 1}})
            await publisher.broadcast("game.3", GameChange(3, {"round": 1}, 0))

    pushing = asyncio.create_task(push())
    await written.wait()
    # ...when a result fetched in the background is broadcast to the same game.
    await publisher.broadcast("game.3", GameChange(3, {"round": 2}, 0))
    release.set()
    await pushing
    seqs = [entry[2].position.seq for entry in log if entry[0] == "send"]
    assert seqs == [1, 2], "sequence numbers go out in the order they were given"


async def test_the_push_reaches_the_viewers_when_the_store_is_down():
    log: list[Any] = []

    class DownStore(RecordingStore):
        async def set_many(self, items: dict[str, Any]) -> None:
            raise ConnectionError("store away")

    publisher = Publisher(DownStore(log), RecordingLayer(log), dict)
    async with publisher.together():
        await publisher.save({"game:3": {"round": 1}})
        await publisher.broadcast("game.3", GameChange(3, {"round": 1}, 0))
    assert publisher.store_down
    assert [entry[:2] for entry in log] == [("send", "game.3")]
