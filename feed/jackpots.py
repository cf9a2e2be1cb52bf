"""Jackpots: polled from BETCORE's REST API; changed rows are stored and broadcast per currency."""

from __future__ import annotations

import asyncio
import logging

from betcore.rest import BetcoreError, BetcoreRest, CredentialsRejected
from feed.protocol.browser import JackpotsMessage
from feed.protocol.keys import JACKPOTS_KEY, jackpots_group
from feed.protocol.views import JackpotView
from feed.publisher import Publisher
from feed.widget_protocol import jackpot_view

log = logging.getLogger("feed.worker")


class JackpotKeeper:
    def __init__(self, rest: BetcoreRest, publisher: Publisher) -> None:
        self.rest = rest
        self.publisher = publisher
        self.rows: dict[tuple[int, str], JackpotView] = {}  # (game type, currency) -> its pot

    async def refresh(self) -> None:
        """Poll once; store every row and send the changed ones, one message per currency."""
        try:
            rows = await asyncio.to_thread(self.rest.jackpots)
        except CredentialsRejected:
            return  # said once by the REST client; its shared backoff decides when to retry
        except BetcoreError as error:
            log.warning("jackpots unavailable: %s", error)
            return
        views = {(row.game_type, row.currency): jackpot_view(row) for row in rows}
        changed = [view for key, view in views.items() if self.rows.get(key) != view]
        if not changed:
            return
        self.rows = views
        await self.publisher.save({JACKPOTS_KEY: [row.to_wire() for row in views.values()]})
        by_currency: dict[str, list[JackpotView]] = {}
        for row in changed:
            by_currency.setdefault(row.currency, []).append(row)
        for currency, shown in by_currency.items():
            await self.publisher.broadcast(jackpots_group(currency), JackpotsMessage(tuple(shown)))
