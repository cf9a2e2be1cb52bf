"""The play link template and the responsible-play link: only to the widget's own partner origins."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from widget.validators import parse_origin

PLACEHOLDERS = ("{gameType}", "{lang}", "{roundId}")
# What each placeholder may become, for checking the template's shape before it is saved.
SAMPLE_VALUES = {"{gameType}": "3", "{lang}": "en", "{roundId}": "123456"}
BRACES = re.compile(r"\{[^{}]*\}")
MAX_URL = 500


def fill(template: str, values: dict[str, str]) -> str:
    """``template`` with each known placeholder replaced (the browser does the same in widget.js)."""
    for placeholder, value in values.items():
        template = template.replace(placeholder, value)
    return template


def link_origin(url: str, what: str) -> str:
    """The origin of ``url`` (https, http only for localhost), or a ValidationError saying why not."""
    refusal = ValidationError(f"{what} must be a full https:// address (http:// only for localhost).", code="play_url")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise refusal from None
    if parts.scheme not in ("https", "http") or not parts.netloc or any(c.isspace() for c in url):
        raise refusal
    try:
        return parse_origin(f"{parts.scheme}://{parts.netloc}")
    except ValidationError:
        raise refusal from None


def check_on_origins(url: str, origins: list[str], what: str) -> None:
    if len(url) > MAX_URL:
        raise ValidationError(f"{what} is longer than {MAX_URL} characters.", code="play_url")
    origin = link_origin(url, what)
    if origin not in origins:
        listed = ", ".join(origins) or "none yet"
        raise ValidationError(
            f"{what} must be on one of this widget's partner origins ({listed}); {origin} is not one of them.",
            code="play_origin",
        )


def validate_play_template(template: str, origins: list[str]) -> None:
    """A play link template: https on a partner origin; placeholders only after the host."""
    unknown = [token for token in BRACES.findall(template) if token not in PLACEHOLDERS]
    if unknown:
        raise ValidationError(
            f"Unknown placeholder {unknown[0]}; use {{gameType}}, {{lang}} and {{roundId}}.", code="play_placeholder"
        )
    # The host is fixed: a placeholder there could point the link at any site.
    head = template.split("//", 1)[-1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if "{" in head or "}" in head:
        raise ValidationError("Placeholders may not be part of the host.", code="play_placeholder")
    check_on_origins(fill(template, SAMPLE_VALUES), origins, "The play link")
