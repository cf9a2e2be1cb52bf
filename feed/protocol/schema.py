"""Checks shared by every direction's ``from_wire``: strict key sets and field types.

Each check names the message and the field it refused, so a log line (or a failing
test) says exactly what did not match the protocol.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any


class ProtocolError(ValueError):
    """Data that does not match the protocol; ``str(error)`` says which field and why."""


def as_object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ProtocolError(f"{what} must be an object, not {type(value).__name__}")
    return value


def exact_keys(data: Mapping[str, Any], what: str, required: Iterable[str], optional: Iterable[str] = ()) -> None:
    """``data`` holds every required key and nothing beyond the required and optional ones."""
    required = set(required)
    missing = required - set(data)
    if missing:
        raise ProtocolError(f"{what}: missing {', '.join(sorted(missing))}")
    extra = set(data) - required - set(optional)
    if extra:
        raise ProtocolError(f"{what}: unexpected {', '.join(sorted(extra))}")


_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "a boolean", list: "a list", dict: "an object"}


def check(value: Any, kind: type | tuple[type, ...], what: str, *, nullable: bool = False) -> Any:
    """``value`` if it is of ``kind`` (a bool is never an int here); None only if ``nullable``."""
    if value is None and nullable:
        return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        expected = " or ".join(_NAMES.get(k, k.__name__) for k in kinds) + (" or null" if nullable else "")
        raise ProtocolError(f"{what} must be {expected}, not {type(value).__name__}")
    return value


def game_type_of(value: Any, what: str) -> int:
    """A game type on the wire (``t``): a non-negative integer, 0 meaning the pooled jackpot."""
    game_type: int = check(value, int, what)
    if game_type < 0:
        raise ProtocolError(f"{what} must not be negative")
    return game_type


def text_to_object(text: str | bytes, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise ProtocolError(f"{what} is not JSON") from None


def dump(data: Any) -> str:
    """Compact JSON: the form every message travels in (built once, sent to many)."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)
