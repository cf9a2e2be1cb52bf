"""The pieces browser messages are made of: a game, a result, a jackpot row, the feed state, a widget's settings.

Python names say ``game_type``; on the wire it stays ``t`` (compact, and what widget.js
reads). Each class's ``to_wire`` gives the JSON-ready dict and ``from_wire`` checks one
strictly (every key present, nothing extra, the right types) and raises ``ProtocolError``.
The store holds games, results and jackpot rows in this same wire form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from feed.protocol.schema import ProtocolError, as_object, check, exact_keys, game_type_of

Wire = dict[str, Any]

# A game's wire fields: name -> (type, nullable). ``game`` messages carry a subset of them.
GAME_FIELDS: Mapping[str, tuple[type | tuple[type, ...], bool]] = MappingProxyType(
    {
        "t": (int, False),
        "id": (int, False),
        "round": (int, False),
        "state": (str, False),
        "phase": (str, True),  # "betting" or "action" while active, else null
        "maintenance": (bool, False),
        "deadline": (int, True),  # betting closes at this Unix time in ms
        "lastRoundId": (int, False),
        "startedAt": (int, True),
    }
)


def check_game_fields(data: Mapping[str, Any], what: str) -> dict[str, Any]:
    """Validate some of a game's wire fields (all of them for a whole game)."""
    for name, value in data.items():
        if name not in GAME_FIELDS:
            raise ProtocolError(f"{what}: unexpected {name}")
        kind, nullable = GAME_FIELDS[name]
        check(value, kind, f"{what}.{name}", nullable=nullable)
    return dict(data)


@dataclass(frozen=True, slots=True)
class GameView:
    """One game as a widget shows it."""

    game_type: int
    id: int
    round: int
    state: str
    phase: str | None
    maintenance: bool
    deadline: int | None
    last_round_id: int
    started_at: int | None

    def to_wire(self) -> Wire:
        return {
            "t": self.game_type,
            "id": self.id,
            "round": self.round,
            "state": self.state,
            "phase": self.phase,
            "maintenance": self.maintenance,
            "deadline": self.deadline,
            "lastRoundId": self.last_round_id,
            "startedAt": self.started_at,
        }

    @classmethod
    def from_wire(cls, value: Any) -> GameView:
        data = as_object(value, "game")
        exact_keys(data, "game", GAME_FIELDS)
        check_game_fields(data, "game")
        game_type_of(data["t"], "game.t")
        return cls(
            data["t"],
            data["id"],
            data["round"],
            data["state"],
            data["phase"],
            data["maintenance"],
            data["deadline"],
            data["lastRoundId"],
            data["startedAt"],
        )


@dataclass(frozen=True, slots=True)
class ResultView:
    """A finished round: ``text`` is always readable, ``fields`` the structured result when small."""

    id: int
    game_type: int
    state: str
    at: int | None
    text: str
    fields: Any

    def to_wire(self) -> Wire:
        return {
            "id": self.id,
            "t": self.game_type,
            "state": self.state,
            "at": self.at,
            "text": self.text,
            "fields": self.fields,
        }

    @classmethod
    def from_wire(cls, value: Any) -> ResultView:
        data = as_object(value, "result")
        exact_keys(data, "result", ("id", "t", "state", "at", "text", "fields"))
        return cls(
            check(data["id"], int, "result.id"),
            game_type_of(data["t"], "result.t"),
            check(data["state"], str, "result.state"),
            check(data["at"], int, "result.at", nullable=True),
            check(data["text"], str, "result.text"),
            check(data["fields"], (dict, list, str, int, float, bool), "result.fields", nullable=True),
        )


@dataclass(frozen=True, slots=True)
class JackpotView:
    """One pot: ``game_type`` POOLED_GAME_TYPE is one pot for all, ``currency`` "" one BETCORE did not name."""

    game_type: int
    currency: str
    amount: float

    def to_wire(self) -> Wire:
        return {"t": self.game_type, "currency": self.currency, "amount": self.amount}

    @classmethod
    def from_wire(cls, value: Any) -> JackpotView:
        data = as_object(value, "jackpot row")
        exact_keys(data, "jackpot row", ("t", "currency", "amount"))
        return cls(
            game_type_of(data["t"], "jackpot row.t"),
            check(data["currency"], str, "jackpot row.currency"),
            check(data["amount"], (int, float), "jackpot row.amount"),
        )


FEED_STATES = ("live", "paused", "reconnecting")


@dataclass(frozen=True, slots=True)
class FeedState:
    """What viewers are told about the feed: its state and since when (Unix ms; None: unknown)."""

    state: str
    since: int | None

    def to_wire(self) -> Wire:
        return {"state": self.state, "since": self.since}

    @classmethod
    def from_wire(cls, value: Any) -> FeedState:
        data = as_object(value, "status")
        exact_keys(data, "status", ("state", "since"))
        return cls(feed_state(data["state"], "status.state"), check(data["since"], int, "status.since", nullable=True))


def feed_state(value: Any, what: str) -> str:
    state: str = check(value, str, what)
    if state not in FEED_STATES:
        raise ProtocolError(f"{what} must be one of {', '.join(FEED_STATES)}, not {state!r}")
    return state


UNKNOWN_FEED_STATE = FeedState("reconnecting", None)  # before the worker ever reported

SETTINGS_KEYS = ("gameTypes", "showGames", "showResults", "showJackpots", "currency", "partnerOrigins", "play")


@dataclass(frozen=True, slots=True)
class WidgetSettings:
    """What widget.js knows about its widget (the page's ``bw-config``, and ``config`` messages).

    ``play`` is the play app's own object (play/config.py), passed through as it is.
    """

    game_types: tuple[int, ...]
    show_games: bool
    show_results: bool
    show_jackpots: bool
    currency: str
    partner_origins: tuple[str, ...]
    play: Mapping[str, Any]

    def to_wire(self) -> Wire:
        return {
            "gameTypes": list(self.game_types),
            "showGames": self.show_games,
            "showResults": self.show_results,
            "showJackpots": self.show_jackpots,
            "currency": self.currency,
            "partnerOrigins": list(self.partner_origins),
            "play": dict(self.play),
        }

    @classmethod
    def from_wire(cls, value: Any) -> WidgetSettings:
        data = as_object(value, "config")
        exact_keys(data, "config", SETTINGS_KEYS)
        game_types = check(data["gameTypes"], list, "config.gameTypes")
        origins = check(data["partnerOrigins"], list, "config.partnerOrigins")
        return cls(
            tuple(game_type_of(t, "config.gameTypes[]") for t in game_types),
            check(data["showGames"], bool, "config.showGames"),
            check(data["showResults"], bool, "config.showResults"),
            check(data["showJackpots"], bool, "config.showJackpots"),
            check(data["currency"], str, "config.currency"),
            tuple(check(origin, str, "config.partnerOrigins[]") for origin in origins),
            as_object(data["play"], "config.play"),
        )
