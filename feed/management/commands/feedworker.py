"""The feed worker as its own process (scale-out): ``python manage.py feedworker``.

With ``REDIS_URL`` only one worker holds the BETCORE subscription at a time: a lock
with a TTL, renewed while alive. Others wait and take over when the holder dies.
"""

from __future__ import annotations

import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from feed.database import require_database
from feed.leader import LeaderLock
from feed.runtime import Upstream, configured_upstream, run_worker_until, start_local_sandbox


class Command(BaseCommand):
    help = "Hold the BETCORE hub subscription and broadcast through the channel layer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sandbox", action="store_true", help="start a local sandbox in this process")

    def handle(self, *args: object, sandbox: bool, **options: object) -> None:
        if not settings.REDIS_URL:
            raise CommandError(
                "REDIS_URL is not set: with the in-memory channel layer only `manage.py serve` can reach viewers"
            )
        require_database()
        upstream = configured_upstream()
        if upstream is None:
            if not sandbox:
                raise CommandError("no BETCORE credentials configured; set BETCORE_* or pass --sandbox")
            upstream = start_local_sandbox()
        asyncio.run(self.run(upstream))

    async def run(self, upstream: Upstream) -> None:
        shutdown = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, shutdown.set)
        lock = LeaderLock(settings.REDIS_URL, ttl=settings.FEED_LOCK_TTL_SECONDS)
        while not shutdown.is_set():
            self.stdout.write("waiting for the feed lock…")
            if not await lock.acquire(shutdown):
                break
            self.stdout.write(f"holding the feed lock as {lock.owner}; subscribing")
            stop = asyncio.Event()
            keeper = asyncio.create_task(lock.keep(stop))
            watcher = asyncio.create_task(self._stop_on(shutdown, stop))
            await run_worker_until(upstream, stop)
            keeper.cancel()
            watcher.cancel()
            await lock.release()

    @staticmethod
    async def _stop_on(shutdown: asyncio.Event, stop: asyncio.Event) -> None:
        await shutdown.wait()
        stop.set()
