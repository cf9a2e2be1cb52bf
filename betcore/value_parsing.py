"""Parsing of the single values BETCORE sends, shared by push and REST-answer parsing.

Timestamps, integers, ids, amounts and JSON-or-object payloads arrive in more than one
form (.NET ISO with seven fractional digits, numbers as strings, objects as JSON text),
and both the hub pushes and the REST answers carry them. Reading them lives here, once,
so the two parsers agree; ``MessageError`` is the one error either of them raises.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

_FRACTION = re.compile(r"(\.\d{1,9})")


class MessageError(ValueError):
    """A feed message that cannot be used; ``str(error)`` is the reason."""


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


def integer_field(data: Mapping[str, Any], key: str, *, required: bool = True, default: int = 0) -> int:
    """``data[key]`` as an int; a JSON number that is not whole (or absent, when required) raises."""
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


def json_object(value: Any, what: str) -> Mapping[str, Any]:
    """An object, given as one or as JSON text; anything else raises naming ``what``."""
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise MessageError(f"{what} is a string but not JSON") from None
    if not isinstance(value, Mapping):
        raise MessageError(f"{what} must be an object, got {type(value).__name__}")
    return value


def freeze(value: Any) -> Any:
    """A read-only deep copy: mappings as ``MappingProxyType``, lists as tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    return value


def first_present(data: Mapping[str, Any], *keys: str) -> Any:
    """The value of the first of ``keys`` that ``data`` has (even if None); None if it has none."""
    for key in keys:
        if key in data:
            return data[key]
    return None


def whole_number(value: Any) -> int | None:
    """A whole number given as a JSON number or a numeric string; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, (int, float)) and math.isfinite(value) and value == int(value):
        return int(value)
    return None


def parse_amount(value: Any) -> float | None:
    """A finite amount given as a JSON number or a string (decimal point or comma); None otherwise."""
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
