"""Run everything in one process: migrate, demo widget, BETCORE sandbox, feed worker, daphne."""

from __future__ import annotations

import asyncio
import io
import logging
import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from feed.database import require_database
from feed.runtime import Upstream, configured_upstream, run_worker_until, start_local_sandbox

log = logging.getLogger("feed.serve")


class Command(BaseCommand):
    help = "Run the widget app in one process (embedded default): sandbox feed, worker and daphne."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-worker", action="store_true", help="web only (a separate feedworker runs)")

    def handle(self, *args: object, host: str, port: int, no_worker: bool, **options: object) -> None:
        require_database()
        call_command("migrate", interactive=False, verbosity=0)
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        partner_origin = f"http://localhost:{port}"
        # The widget app provides the demo widget; feed only asks for its public id.
        public_id = call_command("demo_widget", partner_origin, stdout=io.StringIO())
        upstream = None
        if not no_worker:
            upstream = configured_upstream() or start_local_sandbox()
        base = f"http://127.0.0.1:{port}"
        self.stdout.write(
            "\nBETCORE live-feed widget is starting\n"
            f"  widget page:   {base}/w/{public_id}/\n"
            f"  partner page:  {partner_origin}/demo/partner/?widget_origin={base}\n"
            f"  admin:         {base}/admin/  (create a login: python manage.py createsuperuser)\n"
            f"  health:        {base}/readyz\n"
            f"  feed:          {self.describe(upstream)}\n"
        )
        self.run_daphne(host, port, upstream)

    @staticmethod
    def describe(upstream: Upstream | None) -> str:
        if upstream is None:
            return "served by a separate feedworker process"
        return "local BETCORE sandbox" if settings.BETCORE_USE_SANDBOX else f"BETCORE at {upstream.api_url}"

    def run_daphne(self, host: str, port: int, upstream: Upstream | None) -> None:
        from twisted.internet import reactor

        from feedsite.asgi import application
        from feedsite.webserver import ConnectionServer

        stop = asyncio.Event()
        tasks: list[asyncio.Task] = []
        if upstream is not None:
            # The worker shares daphne's event loop, so the in-memory channel layer reaches consumers.
            def start_worker() -> None:
                tasks.append(asyncio.get_event_loop().create_task(run_worker_until(upstream, stop)))

            reactor.callWhenRunning(start_worker)
        server = ConnectionServer(
            application=application,
            endpoints=[f"tcp:port={port}:interface={host}"],
            # A client that sends its request slowly (or never) is closed, not kept forever.
            http_timeout=settings.DAPHNE_HTTP_TIMEOUT,
            ping_interval=settings.DAPHNE_PING_INTERVAL,
            ping_timeout=settings.DAPHNE_PING_TIMEOUT,
        )
        try:
            server.run()
        except OSError as error:
            raise CommandError(f"cannot listen on {host}:{port}: {error}") from None
        finally:
            stop.set()
