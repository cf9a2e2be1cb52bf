"""Server-side validation of theme and widget values (the admin form relies on these too)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]"}  # as parse_origin() writes them
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


# host[:port] as an origin has it: a bracketed IPv6 address or a name/IPv4 address, no userinfo.
NETLOC = re.compile(r"(?P<host>\[[^\[\]]*\]|[^\[\]:@]+)(?::(?P<port>[0-9]+))?")
HOST_NAME = re.compile(r"[a-z0-9.\-]+")
MAX_ORIGINS = 50


def parse_origin(item: str) -> str:
    """``item`` as an origin (https://host[:port]; http only for localhost), re-serialised.

    Raises ValidationError for anything else, malformed IPv6 literals included (urlsplit
    raises ValueError for some and quietly drops the brackets of others).
    """
    refusal = ValidationError(
        f"{item!r} is not an origin. Use https://host or https://host:port (http:// only for localhost).",
        code="origin",
    )
    try:
        parts = urlsplit(item)
        port = parts.port
    except ValueError:
        raise refusal from None
    netloc = NETLOC.fullmatch(parts.netloc)
    if (
        netloc is None
        or parts.scheme not in DEFAULT_PORTS
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or port == 0
    ):
        raise refusal
    host = _origin_host(netloc.group("host"))
    if host is None or (parts.scheme == "http" and host not in LOCAL_HOSTS):
        raise refusal
    # Re-serialised from the parsed parts, never copied: this text goes into CSP headers.
    return f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, DEFAULT_PORTS[parts.scheme]) else "")


def _origin_host(host: str) -> str | None:
    """The host as browsers write it in an Origin header, or None if it is not a valid host."""
    if host.startswith("["):
        address = host[1:-1]
        if "%" in address:  # a zone id never appears in an Origin
            return None
        try:
            # Compressed and lower-case, as browsers serialise it: [0:0::1] arrives as [::1].
            return f"[{ipaddress.IPv6Address(address).compressed}]"
        except ValueError:  # [a:b], [v1.x] (an "IPvFuture" literal), [1.2.3.4]
            return None
    host = host.lower()
    return host if HOST_NAME.fullmatch(host) else None


def _origin_items(value: str) -> list[str]:
    return [item for item in re.split(r"[\s,]+", str(value or "")) if item]


def parse_origins(value: str) -> list[str]:
    """One origin per line (or comma-separated), each https://host[:port]; http only for localhost."""
    origins: list[str] = []
    for item in _origin_items(value):
        origin = parse_origin(item)
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        raise ValidationError(f"At most {MAX_ORIGINS} partner origins.", code="origin")
    return origins


def stored_origins(value: str) -> list[str]:
    """The valid origins in a stored value, skipping any that would not pass ``parse_origins`` today.

    For readers of saved widgets (CSP headers, the socket's origin check): a value saved by
    an older, looser validator or edited in the database costs that one origin, not a 500.
    """
    origins: list[str] = []
    for item in _origin_items(value):
        try:
            origin = parse_origin(item)
        except ValidationError:
            continue
        if origin not in origins and len(origins) < MAX_ORIGINS:
            origins.append(origin)
    return origins


def validate_origins(value: str) -> None:
    parse_origins(value)


def validate_currency(value: str) -> None:
    if not re.fullmatch(r"[A-Z]{3}", value or ""):
        raise ValidationError("Enter a three-letter ISO 4217 currency code such as EUR.", code="currency")
