from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "feed"
    verbose_name = "BETCORE feed"

    def ready(self) -> None:
        from feed.gcwatch import tune_gc

        tune_gc()
