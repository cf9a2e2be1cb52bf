"""Valid admin form data for themes and widgets, for tests that change one field at a time."""

from __future__ import annotations

from typing import Any


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
