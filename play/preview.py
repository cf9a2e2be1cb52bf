"""The admin preview's play settings: the form's values, not saved, never validated against origins
(the preview's links do not navigate; admin-preview.js holds them back)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import QueryDict

from play.models import PlaySettings
from play.validators import SAMPLE_VALUES, fill, link_origin
from widget.models import Widget

# Query parameter -> PlaySettings field, as admin-preview.js sends them.
TEXT_FIELDS = {
    "play": "url_template",
    "age": "age_mark",
    "rgtext": "responsible_text",
    "rgurl": "responsible_url",
    "hidelangs": "hidden_languages",
}


def _web_address(value: str) -> str:
    """``value`` if it is an http(s) address (placeholders filled), else empty."""
    try:
        link_origin(fill(value, SAMPLE_VALUES), "The link")
    except ValidationError:
        return ""
    return value


def attach_preview_play(widget: Widget, query: QueryDict) -> None:
    """Give the unsaved preview widget the play settings typed into the form."""
    values = {field: query.get(name, "")[:500] for name, field in TEXT_FIELDS.items()}
    values["url_template"] = _web_address(values["url_template"])
    values["responsible_url"] = _web_address(values["responsible_url"])
    values["age_mark"] = values["age_mark"][:4]
    values["responsible_text"] = values["responsible_text"][:120]
    settings = PlaySettings(**values, new_tab=query.get("playtab") == "1", hide_play=query.get("hideplay") == "1")
    widget._preview_play = settings  # type: ignore[attr-defined]  # read by play.config.play_settings
