from django.apps import AppConfig


class WidgetConfig(AppConfig):
    name = "widget"
    verbose_name = "Live-feed widgets"

    def ready(self) -> None:
        from feed.audience import register_audience
        from widget.feed_interest import WIDGET_AUDIENCE

        register_audience(WIDGET_AUDIENCE)

        from django.db.models.signals import post_delete, post_save

        from widget import live_config
        from widget.models import Theme, Widget

        post_save.connect(live_config.widget_saved, sender=Widget, dispatch_uid="widget-config-saved")
        post_delete.connect(live_config.widget_deleted, sender=Widget, dispatch_uid="widget-config-deleted")
        post_save.connect(live_config.theme_saved, sender=Theme, dispatch_uid="widget-config-theme")
