"""A simulated round and game table, and the timestamps BETCORE writes them with.

The data the simulation moves forward and the API views read: a round's documented
state and play status, a game type's running table. It is apart from
``sandbox.simulation`` (which drives them) so that the views and the replay can use the
same shapes and timestamps without the driving logic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sandbox.catalog import GameKind

AWAITING, ACTIVE, FINISHED, REVIEW, CANCELLED = 1, 2, 3, 4, 5
BETTING_TIME, GAME_ACTION = 1, 2


def dotnet_timestamp(epoch: float) -> str:
    """ISO-8601 the way .NET writes a UTC DateTime: seven fractional digits and ``Z``."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


@dataclass
class Round:
    id: int
    game_type: int
    ordinal: int
    started_at: float
    state: int = AWAITING
    play_status: int = BETTING_TIME
    betting_closes_at: float = 0.0
    result: dict[str, Any] | None = None


@dataclass
class GameTable:
    """One game type's running state."""

    kind: GameKind
    round: Round
    phase: str = "awaiting"
    phase_ends_at: float = 0.0
    last_round_id: int = 0
