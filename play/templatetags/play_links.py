"""``{{ play|play_href:game }}``: a game card's Play link on the widget page."""

from __future__ import annotations

from typing import Any

from django import template

from play.page import play_href as fill_href

register = template.Library()


@register.filter
def play_href(play: dict[str, Any], game: dict[str, Any]) -> str:
    return fill_href(play["template"], game["t"], play["language"], (game.get("game") or {}).get("round"))
