"""Pure parsing of BETCORE feed data into typed, immutable objects.

Tolerant wherever BETCORE's docs are silent: payloads as objects or JSON strings,
ISO timestamps with up to seven fractional digits and with or without a zone, ids as
numbers or numeric strings, REST bodies bare or in an envelope, jackpots as one amount,
an object or rows, results under a key, nested or inline. Fields the docs do not name
are kept (``extras``) rather than dropped, so a result that arrives in a push is not
lost. Anything that cannot be understood raises ``MessageError`` with a short reason;
nothing else escapes.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from betcore.streams import is_stream_field

STATES = {1: "awaiting", 2: "active", 3: "finished", 4: "review", 5: "cancelled"}
PLAY_STATUSES = {1: "betting", 2: "action"}

_FRACTION = re.compile(r"(\.\d{1,9})")


class MessageError(ValueError):
    """A feed message that cannot be used; ``str(error)`` is the reason."""


GAME_FIELDS = frozenset({"i", "t", "ge", "lrId", "s", "ps", "cr", "sdt"})
ROUND_FIELDS = frozenset({"i", "t", "ge", "lrId", "s", "ps", "cr", "sdt", "languageCode", "im", "bt", "tst", "sId"})
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


@dataclass(frozen=True)
class RoundInfo:
    id: int
    game_type: int
    state: int
    started_at: datetime | None
    result: Mapping[str, Any] | None


@dataclass(frozen=True)
class JackpotRow:
    game_type: int  # 0: one pot for all game types
    currency: str  # "": BETCORE did not say
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
    extras = {str(k): v for k, v in data.items() if k not in GAME_FIELDS}
    return Game(
        extras=_freeze(extras) if extras else MappingProxyType({}),
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
        envelope = any(k in body for k in ("_responseCode", "code", "success", "isSuccess"))
        for key in ("data", "result", "items", "value", "Data", "Items"):
            if key in body and (envelope or (len(body) == 1 and key != "result")):
                return body[key]
    return body


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _first(data: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in data:
            return data[key]
    return None


def _id(value: Any) -> int | None:
    """A whole number given as a JSON number or a numeric string; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, (int, float)) and math.isfinite(value) and value == int(value):
        return int(value)
    return None


def _amount(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return None


def parse_round_info(body: Any) -> RoundInfo:
    """``/games/info``: the result under a result-named key, nested beside a ``game`` object, or inline."""
    data = _object(unwrap(body), "game info")
    game = next((data[k] for k in ("game", "Game", "round", "Round") if isinstance(data.get(k), Mapping)), None)
    base: Mapping[str, Any] = game if game is not None else data
    ids = {key: _id(_first(base, *names)) for key, names in _ROUND_ID_NAMES.items()}
    for key in ("i", "t", "s"):
        if ids[key] is None:
            raise MessageError(f"{key} must be an integer, got {json.dumps(_first(base, *_ROUND_ID_NAMES[key]))[:40]}")
    result = next((src[k] for src in (data, base) for k in RESULT_KEYS if src.get(k) is not None), None)
    if result is None:  # inline: whatever is not a known round field is the result
        known = ROUND_FIELDS | {name for names in _ROUND_ID_NAMES.values() for name in names} | {"game", "Game"}
        inline = {str(k): v for k, v in base.items() if k not in known and v is not None}
        result = inline or None
    sdt = _first(base, "sdt", "startDate", "StartDate")
    return RoundInfo(
        id=ids["i"] or 0,
        game_type=ids["t"] or 0,
        state=ids["s"] or 0,
        started_at=parse_timestamp(sdt) if isinstance(sdt, str) and sdt else None,
        result=_freeze(result if isinstance(result, Mapping) or result is None else {"value": result}),
    )


_ROUND_ID_NAMES = {
    "i": ("i", "id", "Id", "gameId", "GameId"),
    "t": ("t", "gameType", "GameType"),
    "s": ("s", "state", "State"),
}


def parse_translations(body: Any) -> dict[int, str]:
    """Rows ``{gameType, name}`` (ids as numbers or strings), or one object ``{"3": "Poker"}``."""
    rows = unwrap(body)
    names: dict[int, str] = {}
    if isinstance(rows, Mapping):
        for key, name in rows.items():
            game_type = _id(key)
            if game_type is not None and isinstance(name, str):
                names[game_type] = name[:200]
        if names or not rows:
            return names
        raise MessageError("translations object has no id → name pairs")
    if not isinstance(rows, list):
        raise MessageError(f"translations must be a list or an object, got {type(rows).__name__}")
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        game_type = _id(_first(row, "gameType", "GameType", "t", "id", "Id"))
        name = _first(row, "name", "Name", "translation", "Translation", "value", "text")
        if game_type is not None and isinstance(name, str):
            names[game_type] = name[:200]
    return names


_CURRENCY = re.compile(r"^[A-Za-z]{3}$")


def _jackpot_row(row: Mapping[str, Any]) -> JackpotRow | None:
    amount = _amount(_first(row, "amount", "Amount", "accumulated", "Accumulated", "value", "Value", "sum", "total"))
    if amount is None:
        return None
    game_type = _id(_first(row, "gameType", "GameType", "t"))
    currency = _first(row, "currencyCode", "CurrencyCode", "currency", "Currency")
    return JackpotRow(game_type or 0, currency.upper()[:8] if isinstance(currency, str) else "", amount)


def parse_jackpots(body: Any) -> tuple[JackpotRow, ...]:
    """Accumulated jackpots as rows, whatever shape BETCORE uses.

    Accepted: one bare amount; one object with an amount (and maybe a currency and game
    type); an object of currency → amount; a list of such objects, with or without game
    type and currency. A missing game type becomes 0 (one pot for all games), a missing
    currency "" (unknown).
    """
    data = unwrap(body)
    amount = _amount(data)
    if amount is not None:
        return (JackpotRow(0, "", amount),)
    if isinstance(data, Mapping):
        row = _jackpot_row(data)
        if row is not None:
            return (row,)
        per_currency = [
            JackpotRow(0, str(k).upper(), a)
            for k, v in data.items()
            if _CURRENCY.match(str(k)) and (a := _amount(v)) is not None
        ]
        if per_currency:
            return tuple(per_currency)
        raise MessageError("jackpots object has no amount")
    if not isinstance(data, list):
        raise MessageError(f"jackpots must be an amount, an object or a list, got {type(data).__name__}")
    parsed = []
    for item in data:
        if isinstance(item, Mapping) and (row := _jackpot_row(item)) is not None:
            parsed.append(row)
    return tuple(parsed)
