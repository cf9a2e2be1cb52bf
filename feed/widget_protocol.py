"""Turn parsed BETCORE data into the views the widget protocol carries (``feed.protocol.views``).

Games, results and jackpot rows become frozen views; ``game_changes`` says which of a
game's wire fields changed, ignoring sub-second jitter of the betting deadline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from betcore.messages import PLAY_STATUSES, STATES, Game, GamesInfo
from betcore.rest_answers import JackpotRow, RoundInfo
from feed.protocol.views import GameView, JackpotView, ResultView

DEADLINE_TOLERANCE_MS = 1000  # bt in "seconds remaining" jitters with tst; ignore sub-second drift
RESULT_TEXT_LIMIT = 120
RESULT_FIELDS_LIMIT = 2048  # bytes of JSON: structured result fields kept for renderers, if this small


def ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def game_view(game: Game, info: GamesInfo) -> GameView:
    phase = PLAY_STATUSES.get(game.play_status) if game.state == 2 else None
    deadline = info.betting_deadline() if phase == "betting" else None
    return GameView(
        game_type=game.game_type,
        id=game.id,
        round=game.round,
        state=STATES.get(game.state, "unknown"),
        phase=phase,
        maintenance=info.maintenance,
        deadline=ms(deadline),
        last_round_id=game.last_round_id,
        started_at=ms(game.started_at.timestamp()) if game.started_at else None,
    )


def game_changes(old_view: GameView | None, new_view: GameView) -> dict[str, Any]:
    """Wire fields of ``new_view`` that differ from ``old_view`` (all of them when there is none)."""
    new = new_view.to_wire()
    if old_view is None:
        return new
    old = old_view.to_wire()
    changes = {key: value for key, value in new.items() if old.get(key) != value}
    deadline_old, deadline_new = old.get("deadline"), new.get("deadline")
    if (
        "deadline" in changes
        and deadline_old is not None
        and deadline_new is not None
        and abs(deadline_new - deadline_old) < DEADLINE_TOLERANCE_MS
    ):
        del changes["deadline"]
    return changes


NO_DETAILS = "—"  # a result with nothing readable in it: a dash, never an empty item


def result_text(result: Any) -> str:
    """A compact, human-readable rendering of a result whose schema BETCORE has not published.

    Scalars and lists are flattened in order; booleans show with their key ("ok: yes");
    whitespace is collapsed. Never empty, never longer than ``RESULT_TEXT_LIMIT``.
    """
    parts: list[str] = []

    def walk(value: Any, key: str | None = None) -> None:
        if sum(len(p) for p in parts) > RESULT_TEXT_LIMIT * 2:
            return
        if isinstance(value, Mapping):
            for name, item in value.items():
                walk(item, str(name))
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item, key)
        elif isinstance(value, bool):
            parts.append(f"{key}: {'yes' if value else 'no'}" if key else ("yes" if value else "no"))
        elif value is not None:
            text = " ".join(str(value).split())
            if text:
                parts.append(text[:RESULT_TEXT_LIMIT])

    walk(result)
    text = " · ".join(parts) or NO_DETAILS
    return text if len(text) <= RESULT_TEXT_LIMIT else text[: RESULT_TEXT_LIMIT - 1] + "…"


def result_fields(result: Any) -> Any:
    """The structured result for renderers that know its game type, when it is small enough."""
    if result is None:
        return None
    plain = _plain(result)
    return plain if len(json.dumps(plain, ensure_ascii=False)) <= RESULT_FIELDS_LIMIT else None


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _result(round_id: int, game_type: int, state: int, started_at: datetime | None, result: Any) -> ResultView:
    return ResultView(
        id=round_id,
        game_type=game_type,
        state=STATES.get(state, "unknown"),
        at=ms(started_at.timestamp()) if started_at else None,
        text=result_text(result) if result is not None else NO_DETAILS,
        fields=result_fields(result),
    )


def result_view(info: RoundInfo) -> ResultView:
    """A finished round's result from ``/games/info``."""
    return _result(info.id, info.game_type, info.state, info.started_at, info.result)


def pushed_result_view(game: Game, result: Any) -> ResultView:
    """A finished round's result from the fields its push carried."""
    return _result(game.id, game.game_type, game.state, game.started_at, result)


def jackpot_view(row: JackpotRow) -> JackpotView:
    return JackpotView(game_type=row.game_type, currency=row.currency, amount=row.amount)
