"""``python manage.py demo_widget ORIGIN …``: make sure the demo widget exists; prints its public id."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from widget.demo import ensure_demo_widget


class Command(BaseCommand):
    help = "Create the demo widget (following the feed's game types) if missing, allow ORIGIN(s) to embed it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "origins", nargs="*", help="partner origins allowed to embed it, e.g. http://localhost:8000"
        )

    def handle(self, *args: object, origins: list[str], **options: object) -> str:
        return ensure_demo_widget(origins).public_id
