from django.apps import AppConfig


class WidgetConfig(AppConfig):
    name = "widget"
    verbose_name = "Live-feed widgets"

    def ready(self) -> None:
        from feed.audience import register_audience
        from widget.feed_interest import WIDGET_AUDIENCE

        register_audience(WIDGET_AUDIENCE)
