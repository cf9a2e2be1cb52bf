"""The demo theme and widget that `manage.py serve` makes sure exist."""

from __future__ import annotations

from widget.models import Theme, Widget

DEMO_WIDGET_NAME = "Demo widget"


def ensure_demo_widget(partner_origins: list[str]) -> Widget:
    """The demo widget, created on first run; its partner origins are kept up to date."""
    theme, _ = Theme.objects.get_or_create(name="Default")
    widget = Widget.objects.filter(name=DEMO_WIDGET_NAME).first()
    if widget is None:
        # Follows the feed: the worker replaces these with the game types BETCORE offers.
        widget = Widget(name=DEMO_WIDGET_NAME, game_types="3, 1, 2, 5", theme=theme, language="en", follow_feed=True)
    known = widget.origin_list()
    widget.allowed_origins = "\n".join(known + [o for o in partner_origins if o not in known])
    widget.save()
    return widget
