"""Themes and widgets, configured by partner admins in Django admin."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from widget.contrast import CHECKED_FIELDS, REFUSE_BELOW, Check, checks
from widget.validators import (
    MAX_GAME_TYPES,
    is_colour,
    is_public_id,
    parse_game_types,
    stored_origins,
    validate_colour,
    validate_currency,
    validate_game_types,
    validate_origins,
)

# Only families every phone already has: no web-font download, nothing to inject.
MAX_RADIUS = 24
FONT_STACKS = {
    "system": 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    "humanist": '"Segoe UI", "Trebuchet MS", "Lucida Grande", Ubuntu, sans-serif',
    "serif": 'Georgia, Cambria, "Times New Roman", serif',
    "rounded": '"SF Pro Rounded", "Nunito", "Varela Round", system-ui, sans-serif',
    "mono": 'ui-monospace, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace',
}

# Which theme field becomes which custom property of widget.css (the admin preview sets
# the same properties while the form is edited, from this map).
COLOUR_VARIABLES = {
    "background": "--widget-bg",
    "surface": "--widget-surface",
    "text": "--widget-text",
    "accent": "--widget-accent",
    "positive": "--widget-positive",
    "negative": "--widget-negative",
    "dark_background": "--widget-dark-bg",
    "dark_surface": "--widget-dark-surface",
    "dark_text": "--widget-dark-text",
    "dark_accent": "--widget-dark-accent",
}


def new_public_id() -> str:
    return secrets.token_urlsafe(12)  # 16 URL-safe characters, unrelated to the database id


class Theme(models.Model):
    class Scheme(models.TextChoices):
        LIGHT = "light", _("Light")
        DARK = "dark", _("Dark")
        AUTO = "auto", _("Follow the device (light or dark)")

    name = models.CharField(max_length=80, unique=True)
    scheme = models.CharField(max_length=5, choices=Scheme.choices, default=Scheme.AUTO)
    background = models.CharField(max_length=7, default="#ffffff", validators=[validate_colour])
    surface = models.CharField(max_length=7, default="#f3f4f6", validators=[validate_colour])
    text = models.CharField(max_length=7, default="#111827", validators=[validate_colour])
    accent = models.CharField(max_length=7, default="#1d4ed8", validators=[validate_colour])
    positive = models.CharField(max_length=7, default="#047857", validators=[validate_colour])
    negative = models.CharField(max_length=7, default="#b91c1c", validators=[validate_colour])
    # Optional dark palette, used when the widget is shown dark (scheme "dark", or "auto" on a
    # dark device). Left blank, dark colours are derived from the brand colours above.
    dark_background = models.CharField(max_length=7, blank=True, validators=[validate_colour])
    dark_surface = models.CharField(max_length=7, blank=True, validators=[validate_colour])
    dark_text = models.CharField(max_length=7, blank=True, validators=[validate_colour])
    dark_accent = models.CharField(max_length=7, blank=True, validators=[validate_colour])
    font_family = models.CharField(max_length=12, choices=[(key, key.title()) for key in FONT_STACKS], default="system")
    corner_radius = models.PositiveSmallIntegerField(
        default=8, validators=[MaxValueValidator(MAX_RADIUS)], help_text=_("Pixels, 0 to 24.")
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Validation on every save, not only in forms: these values end up in CSS.
        self.full_clean()
        super().save(*args, **kwargs)

    def colour_values(self) -> dict[str, str]:
        """The colour fields and the scheme, as the contrast checks read them."""
        return {name: str(getattr(self, name) or "") for name in ("scheme", *CHECKED_FIELDS)}

    def contrast_checks(self) -> list[Check]:
        """Contrast of every pair the widget paints; empty while a colour is not valid yet."""
        values = self.colour_values()
        if not all(is_colour(value) for name, value in values.items() if name != "scheme" and value):
            return []  # the field errors say what is wrong
        return checks(values)

    def clean(self) -> None:
        # Refused on every save path (admin, shell, fixtures through save()): under 3:1
        # the widget's text is unreadable for many viewers, whatever the brand wants.
        unreadable = [check for check in self.contrast_checks() if check.verdict == "refused"]
        if unreadable:
            raise ValidationError(
                [
                    f"{check.describe()}; at least {REFUSE_BELOW:g}:1 is needed (change {', '.join(check.fields)})."
                    for check in unreadable
                ],
                code="contrast",
            )

    def css_variables(self) -> dict[str, str]:
        """The ``--widget-*`` custom properties, each value checked again as it is written out.

        ``save()`` validates, but ``update()``, ``loaddata`` or a hand-edited row do not: a
        stored value that is not a colour (or a known font, or a radius in range) is left
        out here, so nothing but ``#rrggbb`` values ever reaches the stylesheet.
        """
        colours = {variable: getattr(self, field) for field, variable in COLOUR_VARIABLES.items()}
        variables = {name: value for name, value in colours.items() if isinstance(value, str) and is_colour(value)}
        variables["--widget-font"] = FONT_STACKS.get(str(self.font_family), FONT_STACKS["system"])
        radius = self.corner_radius
        if isinstance(radius, int) and 0 <= radius <= MAX_RADIUS:
            variables["--widget-radius"] = f"{radius}px"
        return variables


class WidgetQuerySet(models.QuerySet["Widget"]):
    def enabled(self) -> WidgetQuerySet:
        return self.filter(enabled=True)

    def live(self, public_id: str) -> Widget | None:
        """The enabled widget with this public id, with its theme; None when there is none.

        An id that is not in the public-id format never reaches the database (a NUL byte
        in it would be an error on PostgreSQL, not a "no such widget").
        """
        if not is_public_id(public_id):
            return None
        # With its play settings (the play app's one-to-one), read in the same query.
        return self.enabled().select_related("theme", "play").filter(public_id=public_id).first()

    def wanted(self) -> tuple[list[int], set[str]]:
        """The game types (in first-shown order) and languages the enabled widgets show; English always."""
        game_types: list[int] = []
        languages: set[str] = {"en"}
        for widget in self.enabled().only("game_types", "language"):
            languages.add(widget.language)
            game_types.extend(t for t in widget.game_type_list() if t not in game_types)
        return game_types, languages

    def follow_offered_game_types(self, offered: list[int]) -> int:
        """Give widgets that follow the feed the game types it offers (at most 12, in its order)."""
        value = ", ".join(str(t) for t in offered[:MAX_GAME_TYPES])
        changed = 0
        for widget in self.filter(follow_feed=True).exclude(game_types=value):
            widget.game_types = value
            widget.save(update_fields=["game_types", "updated"])
            changed += 1
        return changed


class Widget(models.Model):
    name = models.CharField(max_length=120)
    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    language = models.CharField(max_length=5, choices=settings.LANGUAGES, default="en")
    game_types = models.CharField(
        max_length=200,
        validators=[validate_game_types],
        help_text=_("BETCORE game type ids in the order shown, comma-separated, e.g. 3, 1, 5."),
    )
    follow_feed = models.BooleanField(
        default=False,
        help_text=_(
            "Show every game type the feed offers, kept up to date by the feed worker. "
            "Editing the game types by hand turns this off."
        ),
    )
    currency = models.CharField(max_length=3, default="EUR", validators=[validate_currency])
    show_games = models.BooleanField(default=True)
    show_results = models.BooleanField(default=True)
    show_jackpots = models.BooleanField(default=True)
    allowed_origins = models.TextField(
        blank=True,
        validators=[validate_origins],
        help_text=_("Partner pages allowed to embed this widget, one origin per line: https://host[:port]."),
    )
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="widgets")
    enabled = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = WidgetQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Validation on every save, not only in forms: values reach CSS, CSP and JS.
        self.full_clean()
        super().save(*args, **kwargs)

    def game_type_list(self) -> list[int]:
        """The game types shown, in order; none for an unsaved preview before the feed offers any."""
        if not self.game_types.strip():
            return []  # saved widgets always have some (the field's validator)
        return parse_game_types(self.game_types)

    def origin_list(self) -> list[str]:
        # Tolerant: a value stored before today's validator must not turn the page into a 500.
        return stored_origins(self.allowed_origins)
