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
# Renew only if we still own it: a worker that stalled past the TTL must not steal it back.
RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
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

    async def keep(self, stop: asyncio.Event) -> None:
        """Renew every TTL/3; set ``stop`` if the lock is lost (another worker took over)."""
        while not stop.is_set():
            await asyncio.sleep(self.ttl_ms / 3000)
            try:
                renewed = await self.client.eval(RENEW, 1, self.key, self.owner, self.ttl_ms)
            except redis.RedisError as error:
                log.warning("feed lock renewal failed (%s)", type(error).__name__)
                continue  # the TTL still covers us for a moment; try again
            if not renewed:
                log.error("feed lock lost; stopping this worker")
                stop.set()

    async def release(self) -> None:
        try:
            await self.client.eval(RELEASE, 1, self.key, self.owner)
        except redis.RedisError:
            pass
