"""Stream addresses a partner may configure: https (http only for localhost), no credentials."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from widget.validators import parse_origin

MAX_LENGTH = 1000


def stream_origin(url: str) -> str:
    """The origin of a stream, poster or player address, as it goes into a CSP; ValidationError if not allowed."""
    refusal = ValidationError(
        f"{url!r} is not a stream address. Use https://… (http:// only for localhost), with no user name or password.",
        code="stream_url",
    )
    if not isinstance(url, str) or len(url) > MAX_LENGTH or any(c.isspace() or c in "\"'<>\\" for c in url):
        raise refusal
    try:
        parts = urlsplit(url)
    except ValueError:
        raise refusal from None
    if "@" in parts.netloc or not parts.netloc:
        raise refusal
    try:
        return parse_origin(f"{parts.scheme}://{parts.netloc}")
    except ValidationError:
        raise refusal from None


def validate_stream_url(value: str) -> None:
    stream_origin(value)
