"""A web process's fan-out on the real Redis pub/sub layer, through a restart of a Redis of the test's own."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import InMemoryChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

from feed.protocol.browser import GameChange
from feed.protocol.events import FeedEvent, Position
from tests.processes import OwnRedis
from widget.fanout import LocalFanout
from widget.frames import Frame
from widget.layer_reconnects import subscriber_connections

pytestmark = pytest.mark.services


class Viewer:
    """Records what the fan-out did to it, in order."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.delivered = asyncio.Event()

    def deliver_now(self, frame: Frame) -> bool | None:
        self.seen.append("frame")
        self.delivered.set()
        return True

    async def deliver(self, frame: Frame) -> int:
        raise AssertionError("every frame goes the direct way here")

    async def resync(self) -> bool:
        self.seen.append("snapshot")
        return True

    async def reconfigure(self, event: FeedEvent) -> None:
        raise AssertionError("no admin change here")


async def first_delivery(publisher: RedisPubSubChannelLayer, viewer: Viewer, seq: int) -> None:
    """Publish game 3's changes from number ``seq`` on until the viewer gets one (the subscriber may
    still be reconnecting: what is published before it is back is lost, as in production)."""
    for attempt in range(40):
        event = FeedEvent.of(GameChange(3, {"round": seq}, 0), "g3", 0.0, Position("epoch", seq + attempt))
        try:
            await publisher.group_send("g3", event.encode())
        except ConnectionError:
            pass  # the publisher's own connection is being made again
        try:
            await asyncio.wait_for(viewer.delivered.wait(), 0.25)
            return
        except TimeoutError:
            continue
    raise AssertionError("nothing reached the viewer in 10 s")


@pytest.fixture
async def layers(own_redis: OwnRedis):
    subscriber, publisher = (RedisPubSubChannelLayer(hosts=[own_redis.url]) for _ in range(2))
    yield subscriber, publisher
    for layer in (subscriber, publisher):
        await layer.flush()


async def test_a_redis_restart_resyncs_viewers_of_a_group_that_had_no_event_since_they_joined(
    own_redis: OwnRedis, layers
) -> None:
    subscriber, publisher = layers
    fanout = LocalFanout(subscriber)
    viewer = Viewer()
    await fanout.join(["g3"], viewer)
    assert subscriber_connections(subscriber), "channels-redis's subscriber connection is found"
    own_redis.stop()
    own_redis.start()
    # The first event of g3 this process sees: no number before it to show a gap.
    await first_delivery(publisher, viewer, seq=5)
    assert viewer.seen == ["snapshot", "frame"], "the viewer is brought up to date before the change"
    fanout.reader.cancel(), fanout.sender.cancel()


async def test_without_a_reconnect_the_first_event_after_joining_is_just_delivered(layers) -> None:
    subscriber, publisher = layers
    fanout = LocalFanout(subscriber)
    viewer = Viewer()
    await fanout.join(["g3"], viewer)
    await first_delivery(publisher, viewer, seq=5)
    assert viewer.seen == ["frame"]
    fanout.reader.cancel(), fanout.sender.cancel()


async def test_the_in_memory_layer_has_nothing_that_reconnects() -> None:
    assert subscriber_connections(InMemoryChannelLayer()) == []


def test_a_channels_redis_without_the_names_relied_on_is_said_once(caplog) -> None:
    from widget.layer_reconnects import ReconnectWatch

    class OtherPubSubLayer:  # a future channels-redis whose per-loop layer has no ``_shards``
        def _get_layer(self) -> object:
            return object()

    watch = ReconnectWatch()
    assert subscriber_connections(OtherPubSubLayer()) is None
    assert watch.register(OtherPubSubLayer(), print) is False
    assert watch.register(OtherPubSubLayer(), print) is False
    warnings = [r for r in caplog.records if "hides its Redis connections" in r.getMessage()]
    assert len(warnings) == 1, "said once, not at every join"
