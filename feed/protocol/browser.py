"""Server → browser: the messages widget.js handles, and their JSON text.

A frame holds one message or a JSON array of messages (those of the same tick). Every
message is an object with a ``type``:

``snapshot``  everything a widget shows (on join, ``resync``, ``resume`` and after a gap)
``game``      changed fields of one game (the betting ``deadline`` is absolute Unix ms)
``result``    a finished round
``jackpots``  changed jackpot rows of one currency
``names``     game-type names in one language
``status``    the feed's state (live, paused, reconnecting); ``resync`` asks for a snapshot
``config``    the admin saved this widget or its theme (a snapshot follows)

``encode`` gives the text sent to every viewer (built once); ``decode`` checks a frame
strictly and gives the typed messages back, so tests can validate what was really sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from feed.protocol.keys import POOLED_GAME_TYPE
from feed.protocol.schema import ProtocolError, as_object, check, dump, exact_keys, game_type_of, text_to_object
from feed.protocol.views import (
    FeedState,
    GameView,
    JackpotView,
    ResultView,
    WidgetSettings,
    Wire,
    check_game_fields,
    feed_state,
)


def _names_from_wire(value: Any, what: str) -> dict[int, str]:
    names = as_object(value, what)
    for key, name in names.items():
        if not key.isdigit():
            raise ProtocolError(f"{what}: key {key!r} is not a game type")
        check(name, str, f"{what}[{key}]")
    return {int(key): name for key, name in names.items()}


def _names_to_wire(names: Mapping[int, str]) -> dict[str, str]:
    return {str(game_type): name for game_type, name in names.items()}


@dataclass(frozen=True, slots=True)
class Snapshot:
    kind: ClassVar[str] = "snapshot"
    now: int  # the server's clock (Unix ms): browsers correct theirs for countdowns
    games: tuple[GameView, ...]
    results: Mapping[int, tuple[ResultView, ...]]  # per game type shown, newest first
    jackpots: tuple[JackpotView, ...]
    names: Mapping[int, str]
    language: str
    status: FeedState

    def to_wire(self) -> Wire:
        return {
            "type": self.kind,
            "now": self.now,
            "games": [game.to_wire() for game in self.games],
            "results": {str(t): [row.to_wire() for row in rows] for t, rows in self.results.items()},
            "jackpots": [row.to_wire() for row in self.jackpots],
            "names": _names_to_wire(self.names),
            "lang": self.language,
            "status": self.status.to_wire(),
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Snapshot:
        exact_keys(data, "snapshot", ("type", "now", "games", "results", "jackpots", "names", "lang", "status"))
        results = as_object(data["results"], "snapshot.results")
        for key in results:
            if not key.isdigit():
                raise ProtocolError(f"snapshot.results: key {key!r} is not a game type")
        return cls(
            check(data["now"], int, "snapshot.now"),
            tuple(GameView.from_wire(game) for game in check(data["games"], list, "snapshot.games")),
            {
                int(t): tuple(ResultView.from_wire(row) for row in check(rows, list, f"snapshot.results[{t}]"))
                for t, rows in results.items()
            },
            tuple(JackpotView.from_wire(row) for row in check(data["jackpots"], list, "snapshot.jackpots")),
            _names_from_wire(data["names"], "snapshot.names"),
            check(data["lang"], str, "snapshot.lang"),
            FeedState.from_wire(data["status"]),
        )


@dataclass(frozen=True, slots=True)
class GameChange:
    kind: ClassVar[str] = "game"
    game_type: int
    changes: Mapping[str, Any]  # some of a game's wire fields (all of them the first time)
    sent_at: int  # when BETCORE sent the push (Unix ms)

    def to_wire(self) -> Wire:
        return {"type": self.kind, "t": self.game_type, "changes": dict(self.changes), "tst": self.sent_at}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> GameChange:
        exact_keys(data, "game", ("type", "t", "changes", "tst"))
        changes = check_game_fields(as_object(data["changes"], "game.changes"), "game.changes")
        if not changes:
            raise ProtocolError("game.changes is empty")
        return cls(game_type_of(data["t"], "game.t"), changes, check(data["tst"], int, "game.tst"))


@dataclass(frozen=True, slots=True)
class ResultMessage:
    kind: ClassVar[str] = "result"
    game_type: int
    result: ResultView

    def to_wire(self) -> Wire:
        return {"type": self.kind, "t": self.game_type, "result": self.result.to_wire()}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ResultMessage:
        exact_keys(data, "result message", ("type", "t", "result"))
        return cls(game_type_of(data["t"], "result message.t"), ResultView.from_wire(data["result"]))


@dataclass(frozen=True, slots=True)
class JackpotsMessage:
    kind: ClassVar[str] = "jackpots"
    rows: tuple[JackpotView, ...]

    def to_wire(self) -> Wire:
        return {"type": self.kind, "rows": [row.to_wire() for row in self.rows]}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> JackpotsMessage:
        exact_keys(data, "jackpots", ("type", "rows"))
        return cls(tuple(JackpotView.from_wire(row) for row in check(data["rows"], list, "jackpots.rows")))


@dataclass(frozen=True, slots=True)
class NamesMessage:
    kind: ClassVar[str] = "names"
    language: str
    names: Mapping[int, str]

    def to_wire(self) -> Wire:
        return {"type": self.kind, "lang": self.language, "names": _names_to_wire(self.names)}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> NamesMessage:
        exact_keys(data, "names", ("type", "lang", "names"))
        return cls(check(data["lang"], str, "names.lang"), _names_from_wire(data["names"], "names.names"))


@dataclass(frozen=True, slots=True)
class StatusMessage:
    kind: ClassVar[str] = "status"
    state: str
    since: int
    resync: bool  # back to live after a gap: viewers may have missed changes

    def to_wire(self) -> Wire:
        return {"type": self.kind, "state": self.state, "since": self.since, "resync": self.resync}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> StatusMessage:
        exact_keys(data, "status", ("type", "state", "since", "resync"))
        return cls(
            feed_state(data["state"], "status.state"),
            check(data["since"], int, "status.since"),
            check(data["resync"], bool, "status.resync"),
        )


@dataclass(frozen=True, slots=True)
class ConfigMessage:
    kind: ClassVar[str] = "config"
    enabled: bool  # False: the sockets close as offline, the browser never sees it
    settings: WidgetSettings
    theme: str  # the stylesheet URL, versioned by the theme's content
    theme_scheme: str

    def to_wire(self) -> Wire:
        return {
            "type": self.kind,
            "enabled": self.enabled,
            "config": self.settings.to_wire(),
            "theme": self.theme,
            "themeScheme": self.theme_scheme,
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ConfigMessage:
        exact_keys(data, "config message", ("type", "enabled", "config", "theme", "themeScheme"))
        return cls(
            check(data["enabled"], bool, "config message.enabled"),
            WidgetSettings.from_wire(data["config"]),
            check(data["theme"], str, "config message.theme"),
            check(data["themeScheme"], str, "config message.themeScheme"),
        )


BrowserMessage = Snapshot | GameChange | ResultMessage | JackpotsMessage | NamesMessage | StatusMessage | ConfigMessage

MESSAGE_CLASSES: Mapping[str, type[BrowserMessage]] = {
    cls.kind: cls
    for cls in (Snapshot, GameChange, ResultMessage, JackpotsMessage, NamesMessage, StatusMessage, ConfigMessage)
}
KINDS = frozenset(MESSAGE_CLASSES)


def encode(message: BrowserMessage) -> str:
    """The message's text, built once and sent as it is to every viewer."""
    return dump(message.to_wire())


def from_wire(value: Any) -> BrowserMessage:
    data = as_object(value, "message")
    kind = data.get("type")
    cls = MESSAGE_CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ProtocolError(f"unknown message type {kind!r}")
    return cls.from_wire(data)


def decode(text: str | bytes) -> list[BrowserMessage]:
    """The messages of one frame (one message, or an array of those of the same tick)."""
    data = text_to_object(text, "frame")
    return [from_wire(item) for item in (data if isinstance(data, list) else [data])]


def pooled_or_shown(row: JackpotView, game_types: set[int]) -> bool:
    """Whether a jackpot row belongs to a widget showing ``game_types`` (the pooled pot always does)."""
    return row.game_type in game_types or row.game_type == POOLED_GAME_TYPE
