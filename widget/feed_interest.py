"""The widgets as the feed worker's audience: what they show, and following the game types BETCORE offers."""

from __future__ import annotations

import logging

from channels.db import database_sync_to_async
from django.conf import settings

from feed.audience import Audience, Wanted
from widget.models import Widget

log = logging.getLogger("widget.feed_interest")


@database_sync_to_async
def wanted_from_widgets() -> Wanted:
    """The enabled widgets' game types; names in every language the widget speaks.

    A viewer picks the language (``data-lang`` on the embed), whatever the widget's
    default, so BETCORE's names are kept for all of them, not only the configured ones.
    """
    game_types, languages = Widget.objects.wanted()
    languages |= {code for code, _ in settings.LANGUAGES}
    return Wanted(game_types=tuple(game_types), languages=tuple(sorted(languages)))


@database_sync_to_async
def follow_offered_game_types(offered: list[int]) -> None:
    """Widgets set to follow the feed show the game types it offers (from BETCORE's translations)."""
    changed = Widget.objects.follow_offered_game_types(offered)
    if changed:
        log.info("%d widget(s) following the feed now show game types %s", changed, offered)


WIDGET_AUDIENCE = Audience(wanted=wanted_from_widgets, offered=follow_offered_game_types)
