"""The feed lock on a real Redis of the test's own: kept, taken again after a restart, given up to another."""

from __future__ import annotations

import asyncio

import pytest
import redis

from feed.leader import LeaderLock
from tests.processes import OwnRedis

pytestmark = pytest.mark.services


async def holding(own_redis: OwnRedis, ttl: float = 5.0) -> LeaderLock:
    lock = LeaderLock(own_redis.url, ttl=ttl)
    assert await lock.acquire(asyncio.Event())
    return lock


def holder(own_redis: OwnRedis, lock: LeaderLock) -> bytes | None:
    return redis.Redis.from_url(own_redis.url).get(lock.key)


async def test_a_renewal_keeps_the_lock_and_its_ttl(own_redis: OwnRedis) -> None:
    lock = await holding(own_redis)
    client = redis.Redis.from_url(own_redis.url)
    client.pexpire(lock.key, 100)
    assert await lock.renew() is True
    assert client.pttl(lock.key) > 4000, "renewed to the full TTL"
    assert holder(own_redis, lock) == lock.owner.encode()


async def test_a_redis_restart_does_not_cost_the_subscription(own_redis: OwnRedis) -> None:
    lock = await holding(own_redis)
    own_redis.stop()
    assert await lock.renew() is None, "unreachable is neither held nor lost"
    own_redis.start()  # empty: no persistence, the key is gone
    assert holder(own_redis, lock) is None
    assert await lock.renew() is True, "nobody holds it: this worker takes it again and keeps streaming"
    assert holder(own_redis, lock) == lock.owner.encode()
    assert redis.Redis.from_url(own_redis.url).pttl(lock.key) > 4000


async def test_the_lock_is_lost_only_to_another_worker(own_redis: OwnRedis) -> None:
    lock = await holding(own_redis, ttl=0.3)  # keep() renews every 0.1 s
    redis.Redis.from_url(own_redis.url).delete(lock.key)
    standby = await holding(own_redis)  # a standby took it while it was free
    assert await lock.renew() is False
    assert holder(own_redis, lock) == standby.owner.encode(), "the renewal never overwrites another holder"
    stop = asyncio.Event()
    keeper = asyncio.create_task(lock.keep(stop))
    await asyncio.wait_for(stop.wait(), 10)  # keep() sees the same and stops this worker
    await keeper
    assert await standby.renew() is True


async def test_a_released_lock_is_free_for_the_next_worker(own_redis: OwnRedis) -> None:
    lock = await holding(own_redis)
    await lock.release()
    assert holder(own_redis, lock) is None
    nxt = await holding(own_redis)
    assert holder(own_redis, nxt) == nxt.owner.encode()
