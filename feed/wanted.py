"""Which game types and languages the enabled widgets show (what the worker subscribes to)."""

from __future__ import annotations

from channels.db import database_sync_to_async

from feed.worker import Wanted


@database_sync_to_async
def wanted_from_widgets() -> Wanted:
    from widget.models import Widget

    game_types: list[int] = []
    languages: set[str] = {"en"}
    for widget in Widget.objects.enabled().only("game_types", "language"):
        languages.add(widget.language)
        game_types.extend(t for t in widget.game_type_list() if t not in game_types)
    return Wanted(game_types=tuple(game_types), languages=tuple(sorted(languages)))
