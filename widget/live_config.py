"""Changes made in the admin reach the widgets people have open, without a reload.

Saving a widget (or a theme it uses) sends one ``config`` message to the widget's group
through the channel layer, so every web process hears it. Each process hands it to its
sockets of that widget (``WidgetConsumer.reconfigure``): they follow the new game types
and jackpot currency, pass the message on to the browser (which re-reads the theme
stylesheet and rebuilds its lists) and send a fresh snapshot. A widget switched off or
deleted closes its sockets with ``CLOSE_OFFLINE``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.urls import reverse

from play.config import play_config
from widget import widget_cache
from widget.models import Theme, Widget

log = logging.getLogger("widget.live_config")


def config_group(public_id: str) -> str:
    return f"widget-config.{public_id}"


def client_config(widget: Widget) -> dict[str, Any]:
    """What widget.js needs to know about its widget (the page's ``bw-config``)."""
    return {
        "gameTypes": widget.game_type_list(),
        "showGames": widget.show_games,
        "showResults": widget.show_results,
        "showJackpots": widget.show_jackpots,
        "currency": widget.currency,
        "partnerOrigins": widget.origin_list(),
        "play": play_config(widget),
    }


def theme_url(widget: Widget) -> str:
    """The widget's stylesheet URL, versioned by its content so a changed theme is fetched again."""
    variables = json.dumps(widget.theme.css_variables(), sort_keys=True).encode()
    version = hashlib.sha256(variables).hexdigest()[:12]
    return reverse("widget-theme", args=[widget.public_id]) + f"?v={version}"


def config_event(widget: Widget, enabled: bool | None = None) -> dict[str, Any]:
    """The channel-layer message for one widget: the browser's text, and the same message as
    data for the sockets (their new game types, currency and partner origins are in it)."""
    message = {
        "type": "config",
        "enabled": widget.enabled if enabled is None else enabled,
        "config": client_config(widget),
        "theme": theme_url(widget),
        "themeScheme": widget.theme.scheme,
    }
    return {
        "type": "feed.message",
        "group": config_group(widget.public_id),
        "kind": "config",
        "text": json.dumps(message, separators=(",", ":")),
        "message": message,
    }


def announce(events: Iterable[dict[str, Any]]) -> None:
    """Send config messages to every web process; a channel layer that is down only costs a log line.

    A viewer who misses one still gets the new settings on the next page load.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    for event in events:
        try:
            async_to_sync(layer.group_send)(event["group"], event)
        except Exception as error:
            log.warning("could not tell open widgets about a change (%s)", type(error).__name__)


def announce_after_commit(events: list[dict[str, Any]]) -> None:
    # After the commit: a viewer that reloads on the message must read the new row.
    transaction.on_commit(lambda: announce(events))


def widget_saved(sender: type[Widget], instance: Widget, **kwargs: Any) -> None:
    widget_cache.forget(instance.public_id)
    announce_after_commit([config_event(instance)])


def widget_deleted(sender: type[Widget], instance: Widget, **kwargs: Any) -> None:
    widget_cache.forget(instance.public_id)
    announce_after_commit([config_event(instance, enabled=False)])


def theme_saved(sender: type[Theme], instance: Theme, **kwargs: Any) -> None:
    widgets = list(instance.widgets.select_related("theme"))
    for widget in widgets:
        widget_cache.forget(widget.public_id)
    announce_after_commit([config_event(widget) for widget in widgets])
