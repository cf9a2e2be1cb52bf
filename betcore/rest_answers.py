"""Pure parsing of BETCORE's REST answers (round info, translations, jackpots).

BETCORE's docs leave these shapes open, so each parser accepts every shape seen or
plausible: bodies bare or in an envelope, ids as numbers or strings, jackpots as one
amount, an object or rows, a round's result under a key, nested or inline. It is apart
from ``betcore.messages`` because the REST client needs these and the hub worker needs
the pushes; both read single values through ``betcore.value_parsing`` and raise its
``MessageError``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from betcore.messages import RESULT_KEYS
from betcore.value_parsing import (
    MessageError,
    first_present,
    freeze,
    json_object,
    parse_amount,
    parse_timestamp,
    whole_number,
)

ROUND_FIELDS = frozenset({"i", "t", "ge", "lrId", "s", "ps", "cr", "sdt", "languageCode", "im", "bt", "tst", "sId"})

_CURRENCY = re.compile(r"^[A-Za-z]{3}$")


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


def unwrap(body: Any) -> Any:
    """A REST body without a ``{"_responseCode": 1, "data": ...}`` style envelope, if any."""
    if isinstance(body, Mapping):
        envelope = any(k in body for k in ("_responseCode", "code", "success", "isSuccess"))
        for key in ("data", "result", "items", "value", "Data", "Items"):
            if key in body and (envelope or (len(body) == 1 and key != "result")):
                return body[key]
    return body


def parse_round_info(body: Any) -> RoundInfo:
    """``/games/info``: the result under a result-named key, nested beside a ``game`` object, or inline."""
    data = json_object(unwrap(body), "game info")
    game = next((data[k] for k in ("game", "Game", "round", "Round") if isinstance(data.get(k), Mapping)), None)
    base: Mapping[str, Any] = game if game is not None else data
    ids = {key: whole_number(first_present(base, *names)) for key, names in _ROUND_ID_NAMES.items()}
    for key in ("i", "t", "s"):
        if ids[key] is None:
            raise MessageError(
                f"{key} must be an integer, got {json.dumps(first_present(base, *_ROUND_ID_NAMES[key]))[:40]}"
            )
    result = next((src[k] for src in (data, base) for k in RESULT_KEYS if src.get(k) is not None), None)
    if result is None:  # inline: whatever is not a known round field is the result
        known = ROUND_FIELDS | {name for names in _ROUND_ID_NAMES.values() for name in names} | {"game", "Game"}
        inline = {str(k): v for k, v in base.items() if k not in known and v is not None}
        result = inline or None
    sdt = first_present(base, "sdt", "startDate", "StartDate")
    return RoundInfo(
        id=ids["i"] or 0,
        game_type=ids["t"] or 0,
        state=ids["s"] or 0,
        started_at=parse_timestamp(sdt) if isinstance(sdt, str) and sdt else None,
        result=freeze(result if isinstance(result, Mapping) or result is None else {"value": result}),
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
            game_type = whole_number(key)
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
        game_type = whole_number(first_present(row, "gameType", "GameType", "t", "id", "Id"))
        name = first_present(row, "name", "Name", "translation", "Translation", "value", "text")
        if game_type is not None and isinstance(name, str):
            names[game_type] = name[:200]
    return names


def _jackpot_row(row: Mapping[str, Any]) -> JackpotRow | None:
    amount = parse_amount(
        first_present(row, "amount", "Amount", "accumulated", "Accumulated", "value", "Value", "sum", "total")
    )
    if amount is None:
        return None
    game_type = whole_number(first_present(row, "gameType", "GameType", "t"))
    currency = first_present(row, "currencyCode", "CurrencyCode", "currency", "Currency")
    return JackpotRow(game_type or 0, currency.upper()[:8] if isinstance(currency, str) else "", amount)


def parse_jackpots(body: Any) -> tuple[JackpotRow, ...]:
    """Accumulated jackpots as rows, whatever shape BETCORE uses.

    Accepted: one bare amount; one object with an amount (and maybe a currency and game
    type); an object of currency → amount; a list of such objects, with or without game
    type and currency. A missing game type becomes 0 (one pot for all games), a missing
    currency "" (unknown).
    """
    data = unwrap(body)
    amount = parse_amount(data)
    if amount is not None:
        return (JackpotRow(0, "", amount),)
    if isinstance(data, Mapping):
        row = _jackpot_row(data)
        if row is not None:
            return (row,)
        per_currency = [
            JackpotRow(0, str(k).upper(), a)
            for k, v in data.items()
            if _CURRENCY.match(str(k)) and (a := parse_amount(v)) is not None
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
