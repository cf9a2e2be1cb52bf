"""Finished rounds' results: the ones the pushes showed, fetched by REST when complete, none guessed.

``ResultKeeper.observe`` is told every game of every push. A result that arrives in the
push itself is kept as it is; otherwise the rounds ``feed.rounds`` says are due are
fetched from ``/games/info`` in a task per game type, and a round that turns out to
belong to another game type is kept only under its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from betcore.messages import Game
from betcore.rest import BetcoreError, BetcoreRest, CredentialsRejected
from betcore.rest_answers import RoundInfo
from feed.protocol.browser import ResultMessage
from feed.protocol.keys import game_group, results_key
from feed.protocol.views import ResultView
from feed.publisher import Publisher
from feed.rounds import COMPLETED_STATES, GameRounds
from feed.widget_protocol import pushed_result_view, result_view

log = logging.getLogger("feed.worker")

RESULTS_KEPT = 10
FETCH_RETRY_SECONDS = 5.0  # a failed or not yet complete round fetch waits this long


class ResultKeeper:
    def __init__(self, rest: BetcoreRest, publisher: Publisher) -> None:
        self.rest = rest
        self.publisher = publisher
        self.results: dict[int, list[ResultView]] = {}  # per game type, newest first
        self.rounds: dict[int, GameRounds] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self._fetching: set[int] = set()  # game types with a fetch running
        self._not_before: dict[int, float] = {}

    async def observe(self, game: Game) -> None:
        rounds = self.rounds.setdefault(game.game_type, GameRounds())
        rounds.observe(game)
        pushed = game.pushed_result()
        if pushed is not None and game.state in COMPLETED_STATES and game.id not in rounds.done:
            # The push carries the result itself: keep those fields, no REST call needed.
            rounds.fetched(game.id)
            await self.add(game.game_type, pushed_result_view(game, pushed))
        self._start_fetch(game)

    def _start_fetch(self, game: Game) -> None:
        game_type = game.game_type
        if game_type in self._fetching or time.time() < self._not_before.get(game_type, 0.0):
            return
        if not self.rounds[game_type].due(game.state):
            return
        self._fetching.add(game_type)
        task = asyncio.create_task(self.fetch(game_type, game.state))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def fetch(self, game_type: int, current_state: int | None = None) -> None:
        """Fetch every due round of ``game_type``; stops (to retry later) at the first failure."""
        rounds = self.rounds.setdefault(game_type, GameRounds())
        try:
            while due := rounds.due(current_state):
                for round_id in due:
                    if not await self._fetch_round(game_type, rounds, round_id):
                        return
        finally:
            self._fetching.discard(game_type)

    async def _fetch_round(self, game_type: int, rounds: GameRounds, round_id: int) -> bool:
        try:
            info = await asyncio.to_thread(self.rest.game_info, round_id)
        except BetcoreError as error:
            if not isinstance(error, CredentialsRejected):
                log.warning("could not fetch round %d: %s; will retry", round_id, error)
            self._not_before[game_type] = max(time.time() + FETCH_RETRY_SECONDS, self.rest.auth_retry_at)
            return False
        if info is None:  # BETCORE does not know the id (walked back past the first round)
            rounds.fetched(round_id)
            return True
        if info.game_type != game_type:
            await self._foreign_round(rounds, info)
            return True
        if info.state not in COMPLETED_STATES:  # e.g. still in review: ask again a little later
            self._not_before[game_type] = time.time() + FETCH_RETRY_SECONDS
            return False
        rounds.fetched(round_id)
        await self.add(game_type, result_view(info))
        return True

    async def _foreign_round(self, rounds: GameRounds, info: RoundInfo) -> None:
        """A round id of another game type: ids are shared, so stop walking back; keep it for its own type."""
        if rounds.contradictions == 0:
            log.info("round ids are not consecutive per game type (round %d is game type %d)", info.id, info.game_type)
        rounds.foreign(info.id)
        own = self.rounds.get(info.game_type)
        if own is not None and info.id not in own.done and info.state in COMPLETED_STATES:
            own.fetched(info.id)
            await self.add(info.game_type, result_view(info))

    async def add(self, game_type: int, result: ResultView) -> None:
        history = [r for r in self.results.get(game_type, []) if r.id != result.id]
        history.insert(0, result)
        history.sort(key=lambda r: r.id, reverse=True)
        self.results[game_type] = history[:RESULTS_KEPT]
        await self.publisher.save({results_key(game_type): self.stored(game_type)})
        await self.publisher.broadcast(game_group(game_type), ResultMessage(game_type, result))

    def stored(self, game_type: int) -> list[dict[str, Any]]:
        """The results of ``game_type`` as the store keeps them (wire form)."""
        return [result.to_wire() for result in self.results.get(game_type, [])]
