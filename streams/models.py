"""Where each game type's live picture comes from: an HLS playlist or a provider's player page."""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from streams.validators import MAX_LENGTH, stream_origin, validate_stream_url


class StreamSource(models.Model):
    """One game type's stream, for one widget or (no widget) for every widget.

    A widget's own source wins over the global one, which wins over an address the
    BETCORE feed itself carries (kept by the worker in the state store).
    """

    class Kind(models.TextChoices):
        HLS = "hls", "HLS playlist (.m3u8)"
        PAGE = "page", "Provider's player page (framed)"

    widget = models.ForeignKey(
        "widget.Widget",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="stream_sources",
        help_text="Empty: every widget that shows this game type.",
    )
    game_type = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(99_999)])
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.HLS)
    url = models.URLField(
        "address",
        max_length=MAX_LENGTH,
        validators=[validate_stream_url],
        help_text="https:// (http:// only for localhost): an .m3u8 playlist or a player page.",
    )
    poster = models.URLField(
        max_length=MAX_LENGTH,
        blank=True,
        validators=[validate_stream_url],
        help_text="Optional still image shown before the picture starts and when the stream fails.",
    )
    featured = models.BooleanField(
        default=False, help_text="This game's picture leads the widget (else the first game with a stream)."
    )
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["widget_id", "game_type"]
        constraints = [
            models.UniqueConstraint(fields=["widget", "game_type"], name="stream_one_per_widget_game_type"),
            models.UniqueConstraint(
                fields=["game_type"], condition=Q(widget__isnull=True), name="stream_one_global_per_game_type"
            ),
        ]

    def __str__(self) -> str:
        return f"Game type {self.game_type}: {self.url}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Validated on every save, not only in forms: these origins go into CSP headers.
        self.full_clean()
        super().save(*args, **kwargs)

    def origin(self) -> str:
        return stream_origin(self.url)
