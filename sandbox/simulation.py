"""A believable, reproducible simulation of BETCORE live games.

Every game type runs rounds through the documented states: Awaiting, then Active
(betting time, then game action), then Finished with a published result; now and
then a round goes to Review first or is Cancelled, and a game type enters a
maintenance window. The simulation is driven by ``advance(now)`` with wall-clock
seconds, so tests can feed it any clock; a seeded RNG makes a run reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from sandbox.catalog import CURRENCIES, GAME_KINDS
from sandbox.round_results import random_result
from sandbox.rounds import ACTIVE, BETTING_TIME, CANCELLED, FINISHED, GAME_ACTION, REVIEW, GameTable, Round
from sandbox.simulation_views import SimulationViews
from sandbox.variants import Variants

AWAIT_SECONDS = 3.0
REVIEW_SECONDS = 4.0
FINISHED_SECONDS = 5.0
CANCELLED_SECONDS = 4.0
MAINTENANCE_SECONDS = 20.0
REVIEW_CHANCE = 0.08
CANCEL_CHANCE = 0.04
MAINTENANCE_CHANCE = 0.02
JACKPOT_WIN_CHANCE_PER_ROUND = 0.03
HISTORY_ROUNDS = 5


@dataclass
class Simulation(SimulationViews):
    seed: int | None = None
    speed: float = 1.0
    hostile: bool = False
    start: float = 0.0
    variants: Variants = field(default_factory=Variants)
    rng: random.Random = field(init=False)
    tables: dict[int, GameTable] = field(init=False, default_factory=dict)
    rounds: dict[int, Round] = field(init=False, default_factory=dict)  # every round ever, for /games/info
    jackpots: dict[tuple[int, str], float] = field(init=False, default_factory=dict)
    jackpot_rates: dict[tuple[int, str], float] = field(init=False, default_factory=dict)
    jackpots_at: float = field(init=False, default=0.0)
    shared_next_id: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        if self.speed <= 0:
            raise ValueError("speed must be positive")
        self.rng = random.Random(self.seed)
        self.shared_next_id = 7_000_000 + self.rng.randrange(1000, 9000) * 10
        history = self._history_ids()
        for game_type, kind in GAME_KINDS.items():
            past = history[game_type]
            first_id = self._shared_id() if self.variants.shared_round_ids else past[-1] + 1
            for ordinal, round_id in enumerate(past, 1):
                self._finished_round(round_id, game_type, ordinal, len(past) - ordinal + 1)
            table = GameTable(
                kind=kind,
                round=Round(id=first_id, game_type=game_type, ordinal=len(past) + 1, started_at=self.start),
            )
            table.last_round_id = past[-1]
            # Stagger the tables so that they are not all in the same phase.
            table.phase_ends_at = self.start + self._scaled(self.rng.uniform(0.5, AWAIT_SECONDS))
            self.tables[game_type] = table
            self.rounds[first_id] = table.round
            for currency in CURRENCIES:
                key = (game_type, currency)
                self.jackpots[key] = round(kind.jackpot_seed * self.rng.uniform(1.0, 3.0), 2)
                self.jackpot_rates[key] = kind.jackpot_seed * self.rng.uniform(0.0005, 0.002)
        self.jackpots_at = self.start

    def _history_ids(self) -> dict[int, list[int]]:
        """Ids of the rounds that finished before the sandbox started, per game type.

        A real feed has a past: a viewer who arrives sees the last results at once.
        """
        if self.variants.shared_round_ids:
            history: dict[int, list[int]] = {t: [] for t in GAME_KINDS}
            for _ in range(HISTORY_ROUNDS):
                for game_type in self.rng.sample(sorted(GAME_KINDS), len(GAME_KINDS)):
                    history[game_type].append(self._shared_id())
            return history
        return {
            t: list(range(first - HISTORY_ROUNDS, first))
            for t in GAME_KINDS
            for first in [1_000_000 * t + self.rng.randrange(1000, 9000) * 10]
        }

    def _finished_round(self, round_id: int, game_type: int, ordinal: int, rounds_ago: int) -> None:
        kind = GAME_KINDS[game_type]
        duration = self._scaled(AWAIT_SECONDS + kind.betting_seconds + kind.action_seconds + FINISHED_SECONDS)
        past = Round(id=round_id, game_type=game_type, ordinal=ordinal, started_at=self.start - rounds_ago * duration)
        past.state, past.result, past.play_status = FINISHED, self._result_for(game_type), GAME_ACTION
        self.rounds[round_id] = past

    def _shared_id(self) -> int:
        self.shared_next_id += 1
        return self.shared_next_id

    def _next_round_id(self, old: Round) -> int:
        if self.variants.shared_round_ids:
            return self._shared_id()
        return old.id + 1

    def _scaled(self, seconds: float) -> float:
        return seconds / self.speed

    # -- driving the clock ---------------------------------------------------------

    def advance(self, now: float) -> None:
        """Move every table (and the jackpots) forward to ``now``."""
        for table in self.tables.values():
            # A loop, not an if: a long pause may have skipped several phases.
            for _ in range(1000):
                if now < table.phase_ends_at:
                    break
                self._next_phase(table, table.phase_ends_at)
        self._grow_jackpots(now)

    def _next_phase(self, table: GameTable, at: float) -> None:
        rnd, kind = table.round, table.kind
        if table.phase == "maintenance":
            self._enter(table, "awaiting", at, AWAIT_SECONDS)
        elif table.phase == "awaiting":
            rnd.state, rnd.play_status = ACTIVE, BETTING_TIME
            rnd.started_at = at
            self._enter(table, "betting", at, kind.betting_seconds)
            rnd.betting_closes_at = table.phase_ends_at
        elif table.phase == "betting":
            if self.rng.random() < CANCEL_CHANCE:
                rnd.state, rnd.play_status = CANCELLED, GAME_ACTION
                table.last_round_id = rnd.id
                self._enter(table, "cancelled", at, CANCELLED_SECONDS)
            else:
                rnd.play_status = GAME_ACTION
                self._enter(table, "action", at, kind.action_seconds)
        elif table.phase == "action":
            if self.rng.random() < REVIEW_CHANCE:
                rnd.state = REVIEW
                self._enter(table, "review", at, REVIEW_SECONDS)
            else:
                self._finish(table, at)
        elif table.phase == "review":
            self._finish(table, at)
        else:  # finished or cancelled: a new round begins
            self._new_round(table, at)

    def _enter(self, table: GameTable, phase: str, at: float, seconds: float) -> None:
        table.phase = phase
        table.phase_ends_at = at + self._scaled(seconds)

    def _finish(self, table: GameTable, at: float) -> None:
        rnd = table.round
        rnd.state = FINISHED
        rnd.result = self._result_for(table.kind.game_type)
        table.last_round_id = rnd.id
        self._enter(table, "finished", at, FINISHED_SECONDS)
        if self.rng.random() < JACKPOT_WIN_CHANCE_PER_ROUND:
            currency = self.rng.choice(CURRENCIES)
            self.jackpots[(table.kind.game_type, currency)] = table.kind.jackpot_seed

    def _new_round(self, table: GameTable, at: float) -> None:
        old = table.round
        table.round = Round(
            id=self._next_round_id(old), game_type=old.game_type, ordinal=old.ordinal + 1, started_at=at
        )
        self.rounds[table.round.id] = table.round
        if self.rng.random() < MAINTENANCE_CHANCE:
            self.start_maintenance(table.kind.game_type, at, MAINTENANCE_SECONDS)
        else:
            self._enter(table, "awaiting", at, AWAIT_SECONDS)

    def start_maintenance(self, game_type: int, at: float, seconds: float) -> None:
        """Put a game type in maintenance (``im``) for ``seconds`` of simulated time."""
        table = self.tables[game_type]
        self._enter(table, "maintenance", at, seconds)

    def _grow_jackpots(self, now: float) -> None:
        elapsed = max(0.0, now - self.jackpots_at) * self.speed
        self.jackpots_at = now
        for key, rate in self.jackpot_rates.items():
            self.jackpots[key] = round(self.jackpots[key] + rate * elapsed, 2)

    def _result_for(self, game_type: int) -> dict[str, Any]:
        return random_result(self.rng, game_type, self.variants, self.hostile)
