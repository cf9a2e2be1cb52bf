"""Build a feed worker from settings, against BETCORE or the local sandbox."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from channels.layers import get_channel_layer
from django.conf import settings

from betcore.rest import BetcoreRest
from feed.audience import registered_audience
from feed.store import get_store
from feed.worker import FeedWorker, WorkerConfig

log = logging.getLogger("feed.runtime")


@dataclass(frozen=True)
class Upstream:
    api_url: str
    hub_url: str
    partner_id: int
    secret: str


def configured_upstream() -> Upstream | None:
    """BETCORE from settings, or None when the sandbox should be used."""
    if settings.BETCORE_USE_SANDBOX:
        return None
    return Upstream(
        settings.BETCORE_API_URL, settings.BETCORE_HUB_URL, settings.BETCORE_PARTNER_CLIENT_ID, settings.BETCORE_SECRET
    )


def start_local_sandbox() -> Upstream:
    from sandbox import DEFAULT_PARTNER_ID, DEFAULT_SECRET, Sandbox

    sandbox = Sandbox(speed=settings.SANDBOX_SPEED, streams=settings.SANDBOX_STREAMS).start()
    log.info("BETCORE sandbox on %s", sandbox.base_url)
    return Upstream(sandbox.api_url, sandbox.hub_url, DEFAULT_PARTNER_ID, DEFAULT_SECRET)


def build_worker(upstream: Upstream) -> FeedWorker:
    config = WorkerConfig(
        hub_url=upstream.hub_url,
        partner_id=upstream.partner_id,
        push_target=settings.BETCORE_PUSH_TARGET,
        negotiate=settings.BETCORE_HUB_NEGOTIATE,
        token_in=settings.BETCORE_HUB_TOKEN_IN,
        silence_seconds=settings.FEED_SILENCE_SECONDS,
        translations_refresh=settings.FEED_TRANSLATIONS_REFRESH_SECONDS,
        jackpots_poll=settings.FEED_JACKPOTS_POLL_SECONDS,
        reconnect_max=settings.FEED_RECONNECT_MAX_SECONDS,
    )
    rest = BetcoreRest(upstream.api_url, upstream.partner_id, upstream.secret)
    audience = registered_audience()
    return FeedWorker(config, rest, get_store(), get_channel_layer(), audience.wanted, audience.offered)


async def run_worker_until(upstream: Upstream, stop: asyncio.Event) -> None:
    await build_worker(upstream).run(stop)
