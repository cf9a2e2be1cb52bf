"""Pure parsing of BETCORE feed data into typed, immutable objects.

Tolerant where the docs are silent (``../shared/betcore-feed-api.md`` §4.5-4.7):
payloads as objects or JSON strings, ISO timestamps with up to seven fractional
digits and with or without a zone, unknown fields ignored. Anything that cannot
be understood raises ``MessageError`` with a short reason; nothing else escapes.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

STATES = {1: "awaiting", 2: "active", 3: "finished", 4: "review", 5: "cancelled"}
PLAY_STATUSES = {1: "betting", 2: "action"}

_FRACTION = re.compile(r"(\.\d{1,9})")


class MessageError(ValueError):
    """A feed message that cannot be used; ``str(error)`` is the reason."""


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


@dataclass(frozen=True)
class RoundInfo:
    id: int
    game_type: int
    state: int
    started_at: datetime | None
    result: Mapping[str, Any] | None


@dataclass(frozen=True)
class JackpotRow:
    game_type: int
    currency: str
    amount: float


def parse_timestamp(value: Any) -> datetime:
    """.NET ISO-8601 (up to 7 fractional digits, ``Z``/offset/none) as an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        raise MessageError(f"timestamp must be a string, got {type(value).__name__}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python reads at most 6 fractional digits: cut the 7th (100 ns) and beyond.
    text = _FRACTION.sub(lambda m: m.group(1)[:7], text, count=1)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MessageError(f"not an ISO timestamp: {value[:40]!r}") from None
    if moment.tzinfo is None:  # .NET "unspecified" kind: BETCORE's servers run on UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def betting_deadline(bt: float | None, sent_at: datetime) -> float | None:
    """Betting close time from ``bt``, read as Unix ms, Unix seconds or seconds remaining."""
    if bt is None or bt <= 0:
        return None
    if bt > 1e11:  # Unix milliseconds
        return bt / 1000.0
    if bt > 1e8:  # Unix seconds
        return float(bt)
    return sent_at.timestamp() + bt  # seconds remaining at the moment of sending


def _int(data: Mapping[str, Any], key: str, *, required: bool = True, default: int = 0) -> int:
    value = data.get(key)
    if value is None and not required:
        return default
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value != int(value)
    ):
        raise MessageError(f"{key} must be an integer, got {json.dumps(value)[:40]}")
    return int(value)


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise MessageError(f"{what} is a string but not JSON") from None
    if not isinstance(value, Mapping):
        raise MessageError(f"{what} must be an object, got {type(value).__name__}")
    return value


def parse_game(item: Any) -> Game:
    data = _object(item, "wgi item")
    sdt = data.get("sdt")
    return Game(
        id=_int(data, "i"),
        game_type=_int(data, "t"),
        edition=_int(data, "ge", required=False),
        last_round_id=_int(data, "lrId", required=False),
        state=_int(data, "s"),
        play_status=_int(data, "ps", required=False),
        round=_int(data, "cr", required=False),
        started_at=parse_timestamp(sdt) if sdt else None,
    )


def parse_push(arguments: Any) -> GamesInfo:
    """A push's ``arguments`` list (or its first element) as ``GamesInfo``."""
    if isinstance(arguments, list):
        if not arguments:
            raise MessageError("push has no arguments")
        arguments = arguments[0]
    data = _object(arguments, "payload")
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
        sequence=_int(data, "sId"),
        sent_at=parse_timestamp(data.get("tst")),
        maintenance=im,
        betting_timer=float(bt) if bt is not None else None,
        games=tuple(parse_game(item) for item in wgi),
    )


def unwrap(body: Any) -> Any:
    """A REST body without a ``{"_responseCode": 1, "data": ...}`` style envelope, if any."""
    if isinstance(body, Mapping):
        for key in ("data", "result", "items", "value"):
            if key in body and ("_responseCode" in body or "code" in body):
                return body[key]
    return body


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def parse_round_info(body: Any) -> RoundInfo:
    data = _object(unwrap(body), "game info")
    result = data.get("result")
    if result is not None and not isinstance(result, (Mapping, list, str, int, float)):
        raise MessageError("result has an unexpected type")
    sdt = data.get("sdt")
    return RoundInfo(
        id=_int(data, "i"),
        game_type=_int(data, "t"),
        state=_int(data, "s"),
        started_at=parse_timestamp(sdt) if sdt else None,
        result=_freeze(result if isinstance(result, Mapping) or result is None else {"value": result}),
    )


def _first(data: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in data:
            return data[key]
    return None


def parse_translations(body: Any) -> dict[int, str]:
    rows = unwrap(body)
    if not isinstance(rows, list):
        raise MessageError("translations must be a list")
    names: dict[int, str] = {}
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        game_type, name = _first(row, "gameType", "GameType", "t"), _first(row, "name", "Name", "translation")
        if isinstance(game_type, int) and not isinstance(game_type, bool) and isinstance(name, str):
            names[game_type] = name[:200]
    return names


def parse_jackpots(body: Any) -> tuple[JackpotRow, ...]:
    rows = unwrap(body)
    if not isinstance(rows, list):
        raise MessageError("jackpots must be a list")
    parsed = []
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        game_type = _first(row, "gameType", "GameType")
        currency = _first(row, "currencyCode", "CurrencyCode", "currency")
        amount = _first(row, "amount", "Amount")
        if (
            isinstance(game_type, int)
            and isinstance(currency, str)
            and isinstance(amount, (int, float))
            and not isinstance(amount, bool)
            and math.isfinite(amount)
        ):
            parsed.append(JackpotRow(game_type, currency.upper()[:8], float(amount)))
    return tuple(parsed)
