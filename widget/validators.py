"""Server-side validation of theme and widget values (the admin form relies on these too)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
MAX_GAME_TYPES = 12
DEFAULT_PORTS = {"http": 80, "https": 443}
# What new_public_id() makes (secrets.token_urlsafe(12)); anything else is refused before the database.
PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{16}")


def is_public_id(value: str) -> bool:
    return bool(PUBLIC_ID.fullmatch(value))


def is_colour(value: str) -> bool:
    return bool(HEX_COLOUR.fullmatch(value))


def validate_colour(value: str) -> None:
    if not isinstance(value, str) or not is_colour(value):
        raise ValidationError("Enter a colour as #rrggbb, for example #1a2b3c.", code="colour")


def parse_game_types(value: str) -> list[int]:
    """'3, 1, 5' -> [3, 1, 5]; raises ValidationError for anything else."""
    items = [item.strip() for item in str(value).replace(";", ",").split(",") if item.strip()]
    if not items:
        raise ValidationError("List at least one game type id, for example 3, 1, 5.", code="game_types")
    game_types: list[int] = []
    for item in items:
        if not (item.isascii() and item.isdigit()) or not 0 < int(item) < 100_000:  # "²".isdigit() is True
            raise ValidationError(f"{item!r} is not a game type id (a whole number such as 3).", code="game_types")
        if int(item) in game_types:
            raise ValidationError(f"Game type {item} is listed twice.", code="game_types")
        game_types.append(int(item))
    if len(game_types) > MAX_GAME_TYPES:
        raise ValidationError(f"A widget shows at most {MAX_GAME_TYPES} game types.", code="game_types")
    return game_types


def validate_game_types(value: str) -> None:
    parse_game_types(value)


def parse_origins(value: str) -> list[str]:
    """One origin per line (or comma-separated), each https://host[:port]; http only for localhost."""
    origins: list[str] = []
    for item in re.split(r"[\s,]+", str(value or "")):
        if not item:
            continue
        parts = urlsplit(item)
        try:
            port = parts.port
        except ValueError:
            raise ValidationError(f"{item!r} has an invalid port.", code="origin") from None
        host = parts.hostname or ""
        allowed_scheme = parts.scheme == "https" or (parts.scheme == "http" and host in LOCAL_HOSTS | {"::1"})
        if (
            not allowed_scheme
            or not host
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
            or "@" in parts.netloc  # userinfo, even an empty user name
            or parts.netloc.endswith(":")  # an empty port
            or port == 0
            or "*" in item
            or not re.fullmatch(r"[a-z0-9.\-\[\]:]+", host)
        ):
            raise ValidationError(
                f"{item!r} is not an origin. Use https://host or https://host:port (http:// only for localhost).",
                code="origin",
            )
        # Re-serialised from the parsed parts, never copied: this text goes into CSP headers.
        shown_host = f"[{host}]" if ":" in host else host
        default_port = DEFAULT_PORTS[parts.scheme]
        origin = f"{parts.scheme}://{shown_host}" + (f":{port}" if port not in (None, default_port) else "")
        if origin not in origins:
            origins.append(origin)
    if len(origins) > 50:
        raise ValidationError("At most 50 partner origins.", code="origin")
    return origins


def validate_origins(value: str) -> None:
    parse_origins(value)


def validate_currency(value: str) -> None:
    if not re.fullmatch(r"[A-Z]{3}", value or ""):
        raise ValidationError("Enter a three-letter ISO 4217 currency code such as EUR.", code="currency")
