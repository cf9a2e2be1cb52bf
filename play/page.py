"""The Play controls and the responsible-play line on the widget page's first paint."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.utils.translation import gettext as _

from play.config import play_config
from play.validators import fill
from widget.models import Widget


def play_href(template: str, game_type: int, language: str, round_id: Any) -> str:
    """The template with its placeholders filled, as widget.js fills it (empty round: no round yet)."""
    round_text = str(round_id) if isinstance(round_id, int) and not isinstance(round_id, bool) else ""
    values = {"{gameType}": str(int(game_type)), "{lang}": quote(language, safe=""), "{roundId}": round_text}
    return fill(template, values)


def page_play(widget: Widget, language: str) -> dict[str, Any]:
    """For the template: whether Play shows for a viewer in ``language``, and the responsible-play line.

    Call with ``language`` active (the line's default text is translated)."""
    config = play_config(widget)
    hidden = config["hide"] or language in config["hiddenLanguages"]
    responsible = config["responsible"]
    if responsible is not None:
        responsible = responsible | {"text": responsible["text"] or _("Play responsibly")}
    return {
        "shown": bool(config["url"]) and not hidden,
        "hidden": hidden,
        "template": config["url"],
        "new_tab": config["newTab"],
        "language": language,
        "responsible": responsible,
    }
