"""A widget's play link and responsible-play line, and its audience figures when kept in the database."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from play.validators import check_on_origins, validate_play_template
from widget.models import Widget


class PlaySettings(models.Model):
    """Per widget, optional: without a row (or a template) the widget shows no Play control."""

    widget = models.OneToOneField(Widget, on_delete=models.CASCADE, related_name="play")
    # Field names in the admin's English, like the widget's own fields; the help is translated.
    url_template = models.CharField(
        "play link",
        max_length=500,
        blank=True,
        help_text=_("Your game page, {gameType}, {lang} and {roundId} filled in by the widget; on a partner origin."),
    )
    new_tab = models.BooleanField("open in a new tab", default=False)
    age_mark = models.CharField("age mark", max_length=4, blank=True, help_text=_("For example 18+."))
    responsible_text = models.CharField(
        "responsible play text",
        max_length=120,
        blank=True,
        help_text=_("Blank: “Play responsibly” in the viewer’s language."),
    )
    responsible_url = models.CharField(
        "responsible play page",
        max_length=500,
        blank=True,
        help_text=_("Your responsible gambling page, on a partner origin."),
    )
    hide_play = models.BooleanField(
        "hide Play and jackpots", default=False, help_text=_("Results only: no Play and no jackpots.")
    )
    hidden_languages = models.CharField(
        "hide Play and jackpots in these languages",
        max_length=100,
        blank=True,
        help_text=_("Language codes such as tr, fa: these viewers see results only."),
    )

    class Meta:
        verbose_name = _("play link and responsible play")
        verbose_name_plural = _("play link and responsible play")

    def __str__(self) -> str:
        return f"Play settings of {self.widget}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Validated on every save path: the link goes to the viewer's top window.
        self.full_clean()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        try:
            # The widget as it is being saved (an inline gets the form's unsaved widget).
            origins = self.widget.origin_list()
        except ObjectDoesNotExist:
            origins = []
        errors: dict[str, list[str]] = {}
        for field, check in (
            ("url_template", lambda value: validate_play_template(value, origins)),
            ("responsible_url", lambda value: check_on_origins(value, origins, "The responsible play page")),
        ):
            value = getattr(self, field)
            if value:
                try:
                    check(value)
                except ValidationError as error:
                    errors[field] = error.messages
        unknown = [code for code in self.hidden_language_list(strict=False) if code not in _language_codes()]
        if unknown:
            errors["hidden_languages"] = [f"{unknown[0]!r} is not one of the widget's languages."]
        if errors:
            raise ValidationError(errors)

    def hidden_language_list(self, strict: bool = True) -> list[str]:
        codes = [code.strip().lower() for code in self.hidden_languages.replace(";", ",").split(",") if code.strip()]
        return [code for code in codes if code in _language_codes()] if strict else codes


def _language_codes() -> set[str]:
    from django.conf import settings

    return {code for code, _name in settings.LANGUAGES}


class AudienceBucket(models.Model):
    """Five minutes of one widget, in the database when there is no Redis.

    ``game_type`` 0 holds the viewers (every viewer sees all of the widget's game types);
    other rows hold the taps on Play for that game type. ``viewer_sum`` adds one sample
    per ``SLOT`` seconds; the average divides it by the slots the bucket has lived.
    """

    public_id = models.CharField(max_length=32)
    game_type = models.PositiveIntegerField()
    start = models.DateTimeField()
    viewer_peak = models.PositiveIntegerField(default=0)
    viewer_sum = models.PositiveIntegerField(default=0)
    taps = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["public_id", "game_type", "start"], name="one_bucket_each")]
        indexes = [models.Index(fields=["start"])]

    def __str__(self) -> str:
        return f"{self.public_id} t{self.game_type} {self.start:%Y-%m-%d %H:%M}"
