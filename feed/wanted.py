"""Which game types and languages the enabled widgets show (what the worker subscribes to)."""

from __future__ import annotations

import logging

from channels.db import database_sync_to_async

from feed.worker import Wanted

log = logging.getLogger("feed.wanted")


@database_sync_to_async
def wanted_from_widgets() -> Wanted:
    from widget.models import Widget

    game_types: list[int] = []
    languages: set[str] = {"en"}
    for widget in Widget.objects.enabled().only("game_types", "language"):
        languages.add(widget.language)
        game_types.extend(t for t in widget.game_type_list() if t not in game_types)
    return Wanted(game_types=tuple(game_types), languages=tuple(sorted(languages)))


@database_sync_to_async
def follow_offered_game_types(offered: list[int]) -> None:
    """Widgets set to follow the feed show the game types it offers (from BETCORE's translations)."""
    from widget.models import Widget

    changed = Widget.objects.follow_offered_game_types(offered)
    if changed:
        log.info("%d widget(s) following the feed now show game types %s", changed, offered)
