"""Saved play settings reach open widgets like any other widget change (live_config's config message)."""

from __future__ import annotations

from typing import Any

from play.models import PlaySettings
from widget import live_config, widget_cache
from widget.models import Widget


def settings_changed(sender: type[PlaySettings], instance: PlaySettings, **kwargs: Any) -> None:
    widget = Widget.objects.select_related("theme", "play").filter(pk=instance.widget_id).first()
    if widget is None:  # deleted with its widget: the widget's own signal told the sockets
        return
    widget_cache.forget(widget.public_id)
    live_config.announce_after_commit([live_config.config_event(widget)])
