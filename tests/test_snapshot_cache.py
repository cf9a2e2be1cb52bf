"""Viewers joining together share one snapshot read, and never one older than the feed they hear."""

from __future__ import annotations

import asyncio
import json

import pytest

from feed.protocol.keys import game_group, game_key, names_key
from feed.store import get_store
from tests.sockets import connect, game, game_change, publish
from tests.waiting import ShiftedClock, until
from widget import delivery, snapshot_cache
from widget.fanout import local_fanout
from widget.frames import Frame
from widget.snapshot_cache import KEEP_FOR, SnapshotCache


class CountedRead:
    """A snapshot read that counts its calls and waits until released, so callers overlap."""

    def __init__(self) -> None:
        self.calls = 0
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self) -> Frame:
        self.calls += 1
        self.started.set()
        await self.release.wait()
        return Frame(f'{{"type":"snapshot","read":{self.calls}}}')


async def test_viewers_asking_together_share_one_read_and_one_frame():
    cache, read = SnapshotCache(lambda: 0.0), CountedRead()
    waiting = [asyncio.create_task(cache.frame(("k",), read)) for _ in range(50)]
    await read.started.wait()
    read.release.set()
    frames = await asyncio.gather(*waiting)
    assert read.calls == 1
    assert all(frame is frames[0] for frame in frames)


async def test_a_new_generation_or_an_old_read_starts_a_new_read():
    clock = ShiftedClock(base=lambda: 0.0)  # time moves only when the test says so
    cache, read = SnapshotCache(clock), CountedRead()
    read.release.set()
    first = await cache.frame("k", read)
    assert await cache.frame("k", read) is first
    cache.invalidate()
    second = await cache.frame("k", read)
    assert second is not first and read.calls == 2
    clock.advance(KEEP_FOR)
    third = await cache.frame("k", read)
    assert third is not second and read.calls == 3
    assert await cache.frame("other", read) is not third and read.calls == 4  # a key of its own


async def test_a_viewer_leaving_mid_read_does_not_cancel_the_others():
    cache, read = SnapshotCache(), CountedRead()
    leaving = asyncio.create_task(cache.frame("k", read))
    staying = asyncio.create_task(cache.frame("k", read))
    await read.started.wait()
    leaving.cancel()
    read.release.set()
    assert json.loads((await staying).text)["read"] == 1
    with pytest.raises(asyncio.CancelledError):
        await leaving


async def test_a_failed_read_reaches_its_waiters_and_is_not_kept():
    cache = SnapshotCache()

    async def failing() -> Frame:
        raise ConnectionError("store away")

    results = await asyncio.gather(cache.frame("k", failing), cache.frame("k", failing), return_exceptions=True)
    assert [type(result) for result in results] == [ConnectionError, ConnectionError]
    assert len(cache) == 0
    read = CountedRead()
    read.release.set()
    assert json.loads((await cache.frame("k", read)).text)["read"] == 1


async def test_the_cache_holds_at_most_max_entries(monkeypatch):
    monkeypatch.setattr(snapshot_cache, "MAX_ENTRIES", 8)
    cache, read = SnapshotCache(), CountedRead()
    read.release.set()
    for key in range(20):
        await cache.frame(key, read)
    assert len(cache) == 8


@pytest.mark.django_db(transaction=True)
async def test_a_viewer_joining_after_a_change_gets_a_snapshot_with_it(widget):
    """The first viewer's snapshot is shared only until the next feed event reaches the process."""
    store = get_store()
    await store.set_many({game_key(3): game(3, round_=1).to_wire(), names_key("en"): {"3": "Poker"}})
    first = await connect(f"/ws/w/{widget.public_id}/")
    assert json.loads(await first.receive_from())["games"][0]["round"] == 1
    # The worker stores the new state, then publishes the change; the first viewer hears it.
    await store.set_many({game_key(3): game(3, round_=2).to_wire()})
    await publish(game_change(3, round=2))
    assert json.loads(await first.receive_from())["changes"] == {"round": 2}
    second = await connect(f"/ws/w/{widget.public_id}/")
    assert json.loads(await second.receive_from())["games"][0]["round"] == 2
    assert local_fanout().snapshots.generation >= 2  # the join and the event each opened a generation
    await first.disconnect()
    await second.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_an_update_that_arrives_while_the_first_snapshot_is_read_follows_it(widget, monkeypatch):
    """A joining viewer hears the fan-out before its snapshot is read: the change waits behind it."""
    await get_store().set_many({game_key(3): game(3, round_=1).to_wire(), names_key("en"): {"3": "Poker"}})
    read = delivery.read_snapshot_message

    async def read_after_a_change(*args, **kwargs):
        await publish(game_change(3, round=2))
        members = local_fanout().members
        # The change has reached this viewer (held, not written) before the snapshot is read.
        await until(lambda: any(member.held for member in members.get(game_group(3), ())), 5, "the change held")
        return await read(*args, **kwargs)

    monkeypatch.setattr(delivery, "read_snapshot_message", read_after_a_change)
    viewer = await connect(f"/ws/w/{widget.public_id}/")
    assert json.loads(await viewer.receive_from())["type"] == "snapshot"
    assert json.loads(await viewer.receive_from())["changes"] == {"round": 2}
    await viewer.disconnect()
