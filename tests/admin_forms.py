"""Admin form data for themes and widgets (valid, for tests that change one field at a time) and hostile strings."""

from __future__ import annotations

from typing import Any

# Strings every URL parameter and admin field is fed: refusals, never a 500 or an ERROR log.
HOSTILE = [
    "\x00",
    "abc\x00def",
    "\u202eevil\u202c",  # bidi override
    "x" * 10_000,
    "²",
    "٣",
    "line\r\nSet-Cookie: x=1",
    "<script>alert(1)</script>",
    "%00",
    "../../etc/passwd",
    "https://:x;report-uri@a.com",
    # Malformed IPv6 literals: urlsplit raises for some, quietly drops the brackets of others.
    "https://[a:b]",
    "https://[::1",
    "https://[v1.x]",
    "https://[::1]x",
    "é…",  # non-ASCII where ASCII is expected (a bearer token)
    "9" * 30,  # a number no column holds
]


def theme_form_data(**changes: Any) -> dict[str, Any]:
    return {
        "name": "Partner",
        "scheme": "light",
        "background": "#ffffff",
        "surface": "#f3f4f6",
        "text": "#111827",
        "accent": "#1d4ed8",
        "positive": "#047857",
        "negative": "#b91c1c",
        "font_family": "system",
        "corner_radius": 8,
        **changes,
    }


def widget_form_data(theme_id: int, **changes: Any) -> dict[str, Any]:
    return {
        "name": "W",
        "enabled": "on",
        "theme": theme_id,
        "language": "en",
        "currency": "EUR",
        "game_types": ["3"],
        "show_games": "on",
        "show_results": "on",
        "show_jackpots": "on",
        "allowed_origins": "",
        # The play settings inline (play app), left empty: no play link.
        "play-TOTAL_FORMS": "1",
        "play-INITIAL_FORMS": "0",
        "play-MIN_NUM_FORMS": "0",
        "play-MAX_NUM_FORMS": "1",
        # The video streams inline (streams app), none.
        "stream_sources-TOTAL_FORMS": "0",
        "stream_sources-INITIAL_FORMS": "0",
        "stream_sources-MIN_NUM_FORMS": "0",
        "stream_sources-MAX_NUM_FORMS": "1000",
        **changes,
    }
