"""A Redis lock with a TTL so that exactly one feed worker holds the BETCORE subscription."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid

import redis.asyncio as redis

log = logging.getLogger("feed.leader")

KEY = "betcore-feed:worker-lock"
# Renew if we still own it (1); take it again if nobody does (2): a Redis restart, or a
# stall past the TTL that no standby used, must not cost a resubscription to the hub. Only
# another worker holding it means we lost it (0).
RENEW = """
local holder = redis.call('get', KEYS[1])
if holder == ARGV[1] then
  redis.call('pexpire', KEYS[1], ARGV[2])
  return 1
end
if not holder then
  redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return 0
"""
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class LeaderLock:
    def __init__(self, url: str, ttl: float = 5.0, key: str = KEY) -> None:
        self.client = redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.ttl_ms = int(ttl * 1000)
        self.key = key
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    async def acquire(self, shutdown: asyncio.Event) -> bool:
        """Wait until we hold the lock (True) or shutdown is requested (False)."""
        while not shutdown.is_set():
            try:
                if await self.client.set(self.key, self.owner, nx=True, px=self.ttl_ms):
                    return True
            except redis.RedisError as error:
                log.warning("feed lock: Redis unavailable (%s); retrying", type(error).__name__)
            try:
                await asyncio.wait_for(shutdown.wait(), self.ttl_ms / 3000)
            except TimeoutError:
                pass
        return False

    async def renew(self) -> bool | None:
        """One renewal: True while we hold the lock (taken again if it had vanished), False
        once another worker holds it, None when Redis cannot be reached."""
        try:
            held = await self.client.eval(RENEW, 1, self.key, self.owner, self.ttl_ms)
        except redis.RedisError as error:
            log.warning("feed lock renewal failed (%s)", type(error).__name__)
            return None  # the TTL still covers us for a moment; the next renewal tries again
        if held == 2:
            log.warning("feed lock had vanished (Redis restarted?); taken again, keeping the subscription")
        return bool(held)

    async def keep(self, stop: asyncio.Event) -> None:
        """Renew every TTL/3; set ``stop`` if the lock is lost (another worker took over)."""
        while not stop.is_set():
            await asyncio.sleep(self.ttl_ms / 3000)
            if await self.renew() is False:
                log.error("feed lock lost; stopping this worker")
                stop.set()

    async def release(self) -> None:
        try:
            await self.client.eval(RELEASE, 1, self.key, self.owner)
        except redis.RedisError:
            pass
