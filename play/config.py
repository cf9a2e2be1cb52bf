"""What widget.js needs to draw Play controls and the responsible-play line (``bw-config``'s ``play``)."""

from __future__ import annotations

from typing import Any

from play.models import PlaySettings
from widget.models import Widget


def play_settings(widget: Widget) -> PlaySettings | None:
    """The widget's settings if it has a row (loaded with the widget, or read here outside async code)."""
    if widget.pk is None:
        return getattr(widget, "_preview_play", None)
    try:
        return widget.play
    except PlaySettings.DoesNotExist:
        return None


def play_config(widget: Widget) -> dict[str, Any]:
    """``url`` empty: no Play control. ``hiddenLanguages``: viewers in these see results only."""
    settings = play_settings(widget)
    if settings is None:
        return {"url": "", "newTab": False, "hide": False, "hiddenLanguages": [], "responsible": None}
    responsible = None
    if settings.age_mark or settings.responsible_text or settings.responsible_url:
        responsible = {
            "age": settings.age_mark,
            "text": settings.responsible_text,
            "url": settings.responsible_url,
        }
    return {
        "url": settings.url_template,
        "newTab": settings.new_tab,
        "hide": settings.hide_play,
        "hiddenLanguages": settings.hidden_language_list(),
        "responsible": responsible,
    }
