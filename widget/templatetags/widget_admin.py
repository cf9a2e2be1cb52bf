"""The admin index's feed and audience panel."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import template

from widget.admin_status import feed_overview, viewers_now
from widget.models import Widget

register = template.Library()

PANEL_WIDGETS = 10


@register.inclusion_tag("admin/widget/feed_panel.html")
def feed_panel() -> dict[str, Any]:
    overview = feed_overview()
    started = overview.get("worker_started")
    counts = viewers_now()
    shown = [(counts.get(widget.public_id, 0), widget) for widget in Widget.objects.enabled().only("name", "public_id")]
    shown.sort(key=lambda pair: -pair[0])
    widgets = [{"widget": widget, "viewers": viewers} for viewers, widget in shown]
    return {
        "feed": overview,
        "worker_started": datetime.fromtimestamp(started, UTC) if started else None,
        "widgets": widgets[:PANEL_WIDGETS],
        "total_viewers": sum(counts.values()),
    }
