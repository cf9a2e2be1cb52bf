"""Pure parsing of BETCORE's hub pushes into typed, immutable objects.

Tolerant wherever BETCORE's docs are silent: payloads as objects or JSON strings,
ISO timestamps with up to seven fractional digits and with or without a zone, ids as
numbers or numeric strings, results under a key or inline. Fields the docs do not name
are kept (``extras``) rather than dropped, so a result that arrives in a push is not
lost. Anything that cannot be understood raises ``MessageError`` with a short reason;
nothing else escapes. The REST answers are read by ``betcore.rest_answers``, the single
values both share by ``betcore.value_parsing``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from betcore.streams import is_stream_field
from betcore.value_parsing import MessageError, freeze, integer_field, json_object, parse_timestamp

STATES = {1: "awaiting", 2: "active", 3: "finished", 4: "review", 5: "cancelled"}
PLAY_STATUSES = {1: "betting", 2: "action"}

GAME_FIELDS = frozenset({"i", "t", "ge", "lrId", "s", "ps", "cr", "sdt"})
RESULT_KEYS = ("result", "Result", "res", "gameResult", "GameResult", "results", "r")


@dataclass(frozen=True)
class Game:
    id: int
    game_type: int
    edition: int
    last_round_id: int
    state: int
    play_status: int
    round: int
    started_at: datetime | None
    extras: Mapping[str, Any] = field(default_factory=dict)  # fields the docs do not name, kept as sent

    def pushed_result(self) -> Any:
        """The result carried in the push itself, if any: a result-named field, else every extra field.

        A stream address is not a result (the worker keeps it apart).
        """
        for key in RESULT_KEYS:
            if self.extras.get(key) is not None:
                return self.extras[key]
        if self.stream_address() is None:
            return self.extras or None
        return MappingProxyType({k: v for k, v in self.extras.items() if not is_stream_field(k, v)}) or None

    def stream_address(self) -> str | None:
        """A field of this game that looks like a stream address, if any."""
        return next((value for key, value in self.extras.items() if is_stream_field(key, value)), None)


@dataclass(frozen=True)
class GamesInfo:
    """One ``SubOnWholeGamesInfo`` push."""

    sequence: int
    sent_at: datetime
    maintenance: bool
    betting_timer: float | None
    games: tuple[Game, ...]

    def betting_deadline(self) -> float | None:
        """Unix time (seconds) at which betting closes, whatever unit ``bt`` used."""
        return betting_deadline(self.betting_timer, self.sent_at)


def betting_deadline(bt: float | None, sent_at: datetime) -> float | None:
    """Betting close time from ``bt``, read as Unix ms, Unix seconds or seconds remaining."""
    if bt is None or bt <= 0:
        return None
    if bt > 1e11:  # Unix milliseconds
        return bt / 1000.0
    if bt > 1e8:  # Unix seconds
        return float(bt)
    return sent_at.timestamp() + bt  # seconds remaining at the moment of sending


def parse_game(item: Any) -> Game:
    data = json_object(item, "wgi item")
    sdt = data.get("sdt")
    extras = {str(k): v for k, v in data.items() if k not in GAME_FIELDS}
    return Game(
        extras=freeze(extras) if extras else MappingProxyType({}),
        id=integer_field(data, "i"),
        game_type=integer_field(data, "t"),
        edition=integer_field(data, "ge", required=False),
        last_round_id=integer_field(data, "lrId", required=False),
        state=integer_field(data, "s"),
        play_status=integer_field(data, "ps", required=False),
        round=integer_field(data, "cr", required=False),
        started_at=parse_timestamp(sdt) if sdt else None,
    )


def parse_push(arguments: Any) -> GamesInfo:
    """A push's ``arguments`` list (or its first element) as ``GamesInfo``."""
    if isinstance(arguments, list):
        if not arguments:
            raise MessageError("push has no arguments")
        arguments = arguments[0]
    data = json_object(arguments, "payload")
    wgi = data.get("wgi")
    if not isinstance(wgi, list):
        raise MessageError("wgi must be a list")
    bt = data.get("bt")
    if bt is not None and (isinstance(bt, bool) or not isinstance(bt, (int, float)) or not math.isfinite(bt)):
        raise MessageError("bt must be a number")
    im = data.get("im", False)
    if not isinstance(im, bool):
        raise MessageError("im must be a boolean")
    return GamesInfo(
        sequence=integer_field(data, "sId"),
        sent_at=parse_timestamp(data.get("tst")),
        maintenance=im,
        betting_timer=float(bt) if bt is not None else None,
        games=tuple(parse_game(item) for item in wgi),
    )
