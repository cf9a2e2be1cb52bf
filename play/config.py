"""What widget.js needs to draw Play controls and the responsible-play line (``bw-config``'s ``play``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from play.models import PlaySettings
from play.validators import check_on_origins, validate_play_template
from widget.models import Widget


def play_settings(widget: Widget) -> PlaySettings | None:
    """The widget's settings if it has a row (loaded with the widget, or read here outside async code)."""
    if widget.pk is None:
        return getattr(widget, "_preview_play", None)
    try:
        return widget.play
    except PlaySettings.DoesNotExist:
        return None


def _still_allowed(widget: Widget, url: str, template: bool) -> str:
    """``url`` if it is still on one of the widget's partner origins (they may have changed since), else ""."""
    if not url or widget.pk is None:  # the admin preview's links are checked in play/preview.py
        return url
    try:
        if template:
            validate_play_template(url, widget.origin_list())
        else:
            check_on_origins(url, widget.origin_list(), "The link")
    except ValidationError:
        return ""
    return url


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
            "url": _still_allowed(widget, settings.responsible_url, template=False),
        }
    return {
        "url": _still_allowed(widget, settings.url_template, template=True),
        "newTab": settings.new_tab,
        "hide": settings.hide_play,
        "hiddenLanguages": settings.hidden_language_list(),
        "responsible": responsible,
    }
