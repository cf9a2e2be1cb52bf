"""Browser → server: what a widget socket accepts, and why anything else is refused.

``{"type": "resync"}``            send a fresh snapshot
``{"type": "pause"}`` / ``resume``  page hidden or ticker paused: stop / restart updates (resume resyncs)
``{"type": "lite", "on": true}``  Save-Data: jackpot updates at most every 30 s
``{"type": "tap", "t": 3}``       the viewer tapped Play on game type 3 (play/taps.py counts it)

``decode`` raises ``ProtocolError`` with the reason; the consumer ignores such frames
(they still draw on its rate limit).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from feed.protocol.schema import ProtocolError, as_object, check, dump, exact_keys, game_type_of, text_to_object


class _Bare:
    """A browser message that is its ``type`` alone."""

    __slots__ = ()
    kind: ClassVar[str]

    def to_wire(self) -> dict[str, Any]:
        return {"type": self.kind}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Self:
        exact_keys(data, cls.kind, ("type",))
        return cls()


@dataclass(frozen=True, slots=True)
class Resync(_Bare):
    kind: ClassVar[str] = "resync"


@dataclass(frozen=True, slots=True)
class Pause(_Bare):
    kind: ClassVar[str] = "pause"


@dataclass(frozen=True, slots=True)
class Resume(_Bare):
    kind: ClassVar[str] = "resume"


@dataclass(frozen=True, slots=True)
class Lite:
    kind: ClassVar[str] = "lite"
    on: bool

    def to_wire(self) -> dict[str, Any]:
        return {"type": self.kind, "on": self.on}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Lite:
        exact_keys(data, cls.kind, ("type", "on"))
        return cls(check(data["on"], bool, "lite.on"))


@dataclass(frozen=True, slots=True)
class Tap:
    kind: ClassVar[str] = "tap"
    game_type: int

    def to_wire(self) -> dict[str, Any]:
        return {"type": self.kind, "t": self.game_type}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Tap:
        exact_keys(data, cls.kind, ("type", "t"))
        return cls(game_type_of(data["t"], "tap.t"))


ClientMessage = Resync | Pause | Resume | Lite | Tap

MESSAGE_CLASSES: Mapping[str, type[ClientMessage]] = {cls.kind: cls for cls in (Resync, Pause, Resume, Lite, Tap)}
KINDS = frozenset(MESSAGE_CLASSES)


def encode(message: ClientMessage) -> str:
    return dump(message.to_wire())


def decode(text: str | bytes | None) -> ClientMessage:
    """One browser frame as a typed message; ``ProtocolError`` says why it is not one."""
    if text is None:
        raise ProtocolError("binary frames are not part of the protocol")
    data = as_object(text_to_object(text, "frame"), "frame")
    kind = data.get("type")
    cls = MESSAGE_CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ProtocolError(f"unknown message type {kind!r}")
    return cls.from_wire(data)
