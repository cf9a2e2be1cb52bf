"""Changes made in the admin reach the widgets people have open, without a reload.

Saving a widget (or a theme it uses) sends one ``config`` message to the widget's group
through the channel layer, so every web process hears it. Each process hands it to its
sockets of that widget (``WidgetConsumer.reconfigure``): they follow the new game types
and jackpot currency, pass the message on to the browser (which re-reads the theme
stylesheet and rebuilds its lists) and send a fresh snapshot. A widget switched off or
deleted closes its sockets with ``CloseCode.OFFLINE``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.urls import reverse

from feed.protocol.browser import ConfigMessage
from feed.protocol.events import FeedEvent
from feed.protocol.keys import config_group
from feed.protocol.views import WidgetSettings
from play.config import play_config
from widget import widget_cache
from widget.models import Theme, Widget

log = logging.getLogger("widget.live_config")


def widget_settings(widget: Widget) -> WidgetSettings:
    """What widget.js needs to know about its widget."""
    return WidgetSettings(
        game_types=tuple(widget.game_type_list()),
        show_games=widget.show_games,
        show_results=widget.show_results,
        show_jackpots=widget.show_jackpots,
        currency=widget.currency,
        partner_origins=tuple(widget.origin_list()),
        play=play_config(widget),
    )


def client_config(widget: Widget) -> dict[str, Any]:
    """The page's ``bw-config``: the widget's settings in their wire form."""
    return widget_settings(widget).to_wire()


def theme_url(widget: Widget) -> str:
    """The widget's stylesheet URL, versioned by its content so a changed theme is fetched again."""
    variables = json.dumps(widget.theme.css_variables(), sort_keys=True).encode()
    version = hashlib.sha256(variables).hexdigest()[:12]
    return reverse("widget-theme", args=[widget.public_id]) + f"?v={version}"


def config_event(widget: Widget, enabled: bool | None = None) -> FeedEvent:
    """The channel-layer event for one widget's sockets (their new game types, currency and
    partner origins are in it, decoded once per web process) and the browser's text."""
    message = ConfigMessage(
        enabled=widget.enabled if enabled is None else enabled,
        settings=widget_settings(widget),
        theme=theme_url(widget),
        theme_scheme=widget.theme.scheme,
    )
    return FeedEvent.of(message, config_group(widget.public_id), time.time())


def announce(events: Iterable[FeedEvent]) -> None:
    """Send config messages to every web process; a channel layer that is down only costs a log line.

    A viewer who misses one still gets the new settings on the next page load.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    for event in events:
        try:
            async_to_sync(layer.group_send)(event.group, event.encode())
        except Exception as error:
            log.warning("could not tell open widgets about a change (%s)", type(error).__name__)


def announce_after_commit(events: list[FeedEvent]) -> None:
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
