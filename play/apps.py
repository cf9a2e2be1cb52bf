from django.apps import AppConfig


class PlayConfig(AppConfig):
    name = "play"
    verbose_name = "Play links and audience"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from play import live
        from play.models import PlaySettings

        post_save.connect(live.settings_changed, sender=PlaySettings, dispatch_uid="play-settings-saved")
        post_delete.connect(live.settings_changed, sender=PlaySettings, dispatch_uid="play-settings-deleted")
