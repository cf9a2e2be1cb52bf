"""Where the latest feed state lives, so that any web process can send a full snapshot.

In the single-process default it is a dict in memory; with ``REDIS_URL`` it is the
same Redis the channel layer uses (plain string keys holding JSON). The worker is the
only writer; consumers read.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from typing import Any, Protocol

from django.conf import settings

PREFIX = "betcore-feed:"
POOL_SIZE = 32  # Redis connections per process and event loop for state reads and writes
POOL_WAIT = 10.0  # seconds a read may wait for a free connection under a reconnect storm


class FeedStore(Protocol):
    async def get_many(self, keys: list[str]) -> dict[str, Any]: ...

    async def set_many(self, items: dict[str, Any]) -> None: ...

    async def ping(self) -> bool: ...


class MemoryStore:
    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    async def get_many(self, keys: list[str]) -> dict[str, Any]:
        # Stored as JSON text so readers never share mutable objects with the writer.
        return {key: json.loads(self.data[key]) for key in keys if key in self.data}

    async def set_many(self, items: dict[str, Any]) -> None:
        self.data.update({key: json.dumps(value) for key, value in items.items()})

    async def ping(self) -> bool:
        return True


class RedisStore:
    def __init__(self, url: str) -> None:
        self.url = url
        # One client per event loop (connections are loop-bound), keyed by the loop object.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()

    def _client(self) -> Any:
        import redis.asyncio as redis

        loop = asyncio.get_running_loop()
        for closed in [other for other in self._clients if other.is_closed()]:
            del self._clients[closed]  # its connections hold the loop: the weak key alone never lets go
        client = self._clients.get(loop)
        if client is None:
            from redis.asyncio.retry import Retry
            from redis.backoff import ExponentialBackoff
            from redis.exceptions import ConnectionError, TimeoutError

            # After a Redis restart pooled connections are dead: retry on a fresh one.
            # A bounded pool that waits: thousands of viewers reconnecting at once (a web
            # process restarted) queue for a connection instead of failing with "Too many
            # connections" and going without a snapshot.
            pool = redis.BlockingConnectionPool.from_url(
                self.url,
                max_connections=POOL_SIZE,
                timeout=POOL_WAIT,
                socket_timeout=2,
                socket_connect_timeout=2,
                health_check_interval=10,
                retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 3),
                retry_on_error=[ConnectionError, TimeoutError],
            )
            client = redis.Redis(connection_pool=pool)
            self._clients[loop] = client
        return client

    async def get_many(self, keys: list[str]) -> dict[str, Any]:
        if not keys:
            return {}
        values = await self._client().mget([PREFIX + key for key in keys])
        return {key: json.loads(value) for key, value in zip(keys, values, strict=True) if value is not None}

    async def set_many(self, items: dict[str, Any]) -> None:
        if items:
            await self._client().mset({PREFIX + key: json.dumps(value) for key, value in items.items()})

    async def ping(self) -> bool:
        try:
            return bool(await asyncio.wait_for(self._client().ping(), 2))
        except Exception:
            return False


_memory = MemoryStore()
_redis: dict[str, RedisStore] = {}


def get_store() -> FeedStore:
    """The store for the current configuration (shared per process)."""
    url = settings.REDIS_URL
    if not url:
        return _memory
    if url not in _redis:
        _redis[url] = RedisStore(url)
    return _redis[url]
