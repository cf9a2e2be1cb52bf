"""How many viewers each widget has right now, over every web process.

Each process counts its own open widget sockets. With ``REDIS_URL`` it also keeps the
counts in one Redis hash per process (``…viewers:<process>``), rewritten at most every
``FLUSH_EVERY`` seconds after a change and at least every ``REFRESH_EVERY``; the hash
expires ``EXPIRES_AFTER`` seconds after the process stops refreshing it, so a killed
process stops counting within that time. The admin sums the hashes of all processes.
Without Redis (the single-process default) the admin reads this process's counts.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections import Counter

from django.conf import settings

from feed.protocol.keys import VIEWERS_KEY_PREFIX
from feed.store import PREFIX

log = logging.getLogger("widget.viewers")

FLUSH_EVERY = 0.5
REFRESH_EVERY = 10.0
EXPIRES_AFTER = 30
KEY_PREFIX = PREFIX + VIEWERS_KEY_PREFIX

_local: Counter[str] = Counter()
_changed = asyncio.Event()
_flusher: asyncio.Task | None = None
PROCESS_KEY = f"{KEY_PREFIX}{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def joined(public_id: str) -> None:
    _local[public_id] += 1
    _note_change()
    from play import recorder  # samples these counts every 30 s for the audience charts

    recorder.wake()


def left(public_id: str) -> None:
    _local[public_id] -= 1
    if _local[public_id] <= 0:
        del _local[public_id]
    _note_change()


def local_counts() -> dict[str, int]:
    return dict(_local)


def _note_change() -> None:
    global _flusher, _changed
    if not settings.REDIS_URL:
        return
    loop = asyncio.get_running_loop()
    if _flusher is None or _flusher.done() or _flusher.get_loop() is not loop:
        _changed = asyncio.Event()
        _flusher = loop.create_task(_flush_forever(settings.REDIS_URL), name="widget-viewer-count")
    _changed.set()


async def _flush_forever(url: str) -> None:
    import redis.asyncio as redis

    client = redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    failing = False
    while True:
        try:
            await asyncio.wait_for(_changed.wait(), REFRESH_EVERY)
        except TimeoutError:
            pass
        _changed.clear()
        try:
            async with client.pipeline(transaction=True) as pipe:
                pipe.delete(PROCESS_KEY)
                if _local:
                    pipe.hset(PROCESS_KEY, mapping={key: str(count) for key, count in _local.items()})
                    pipe.expire(PROCESS_KEY, EXPIRES_AFTER)
                await pipe.execute()
            if failing:
                log.info("viewer counts reach Redis again")
            failing = False
        except Exception as error:  # Redis away: counts catch up on the next flush
            if not failing:
                log.warning("could not store viewer counts (%s)", type(error).__name__)
            failing = True
        await asyncio.sleep(FLUSH_EVERY)


async def all_counts() -> dict[str, int]:
    """Viewers per widget public id, summed over every web process that reported lately."""
    if not settings.REDIS_URL:
        return local_counts()
    import redis.asyncio as redis

    client = redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2, decode_responses=True)
    try:
        totals: Counter[str] = Counter()
        async for key in client.scan_iter(match=KEY_PREFIX + "*", count=200):
            for public_id, count in (await client.hgetall(key)).items():
                totals[str(public_id)] += int(count)
        return dict(totals)
    finally:
        await client.aclose()
