"""Which finished rounds to fetch, without assuming how BETCORE numbers them.

BETCORE's documentation (docs/betcore.md) does not say whether round ids count per
game type or come from one sequence shared by all game types (a database identity would). So the worker fetches
the rounds it saw (``i`` of a push, and ``lrId``) once they are complete, and walks
back over ids it never saw only for a game type whose ids proved consecutive: pushes of
two different rounds whose current round directly follows the last completed one
(``i == lrId + 1``; one such round could be a coincidence of a shared sequence), and
no push or fetched round that contradicts it. Pure bookkeeping; the worker does the I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from betcore.messages import Game

INITIAL_RESULTS = 5  # rounds fetched back on first sight, where ids allow walking back
MAX_CATCH_UP = 20  # rounds walked back at most after a long outage
MAX_PENDING = 50  # seen rounds waiting for their result, per game type
MAX_REMEMBERED = 200  # ids already fetched or tried, per game type
COMPLETED_STATES = (3, 5)  # finished, cancelled
PROOF_ROUNDS = 2  # rounds seen following their predecessor's id before ids count as consecutive


@dataclass
class GameRounds:
    """What one game type's pushes showed about its round ids."""

    current: int | None = None
    last_completed: int | None = None
    pending: set[int] = field(default_factory=set)  # seen, result not fetched yet
    done: set[int] = field(default_factory=set)  # fetched (or given up)
    newest_done: int | None = None
    consecutive_evidence: int = 0
    contradictions: int = 0
    pairs_seen: set[tuple[int, int]] = field(default_factory=set)

    @property
    def consecutive(self) -> bool:
        """Ids proved consecutive for this game type (so walking back over unseen ids is safe)."""
        return self.consecutive_evidence >= PROOF_ROUNDS and self.contradictions == 0

    def observe(self, game: Game) -> None:
        if game.last_round_id and game.id > game.last_round_id:
            pair = (game.last_round_id, game.id)
            if pair not in self.pairs_seen and len(self.pairs_seen) < MAX_REMEMBERED:
                self.pairs_seen.add(pair)
                if game.id == game.last_round_id + 1:
                    self.consecutive_evidence += 1
                else:
                    self.contradictions += 1
        self.current = game.id
        if game.last_round_id:
            self.last_completed = max(self.last_completed or 0, game.last_round_id)
        for round_id in (game.id, game.last_round_id):
            if round_id and round_id not in self.done:
                self.pending.add(round_id)
        if len(self.pending) > MAX_PENDING:
            self.pending = set(sorted(self.pending)[-MAX_PENDING:])

    def completed(self, game: Game) -> bool:
        """Whether the round of this push is complete (its own state, or lrId has reached it)."""
        return game.state in COMPLETED_STATES or (self.last_completed or 0) >= game.id

    def due(self, current_state: int | None = None) -> list[int]:
        """Ids to fetch now, oldest first: complete seen rounds, plus a walk back where ids allow it."""
        last = self.last_completed or 0
        ready = {i for i in self.pending if i <= last or (i == self.current and current_state in COMPLETED_STATES)}
        if self.consecutive and last:
            first = last - INITIAL_RESULTS + 1 if self.newest_done is None else self.newest_done + 1
            first = max(first, last - MAX_CATCH_UP + 1)
            ready |= {i for i in range(first, last + 1) if i not in self.done}
        return sorted(ready)

    def fetched(self, round_id: int) -> None:
        """The round's result is in (or BETCORE does not know the id): never fetch it again."""
        self.pending.discard(round_id)
        self.done.add(round_id)
        if len(self.done) > MAX_REMEMBERED:
            self.done = set(sorted(self.done)[-MAX_REMEMBERED:])
        self.newest_done = max(self.newest_done or round_id, round_id)

    def foreign(self, round_id: int) -> None:
        """The id belonged to another game type: ids are not per-type, stop walking back."""
        self.contradictions += 1
        self.fetched(round_id)
