"""Admin for themes and widgets: live preview beside the form, contrast, game picker, embed builder."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import get_language

from play.admin import PlaySettingsInline, audience_charts, taps_today_column
from streams.admin import StreamSourceInline
from widget import admin_preview
from widget.admin_status import viewers_now
from widget.contrast import WARN_BELOW
from widget.game_type_field import GameTypesField
from widget.models import COLOUR_VARIABLES, FONT_STACKS, MAX_RADIUS, Theme, Widget
from widget.offered import offered_game_types

COLOUR_FIELDS = ("background", "surface", "text", "accent", "positive", "negative")
DARK_FIELDS = ("dark_background", "dark_surface", "dark_text", "dark_accent")  # optional: text, not pickers


class AdminMedia:
    js = ("widget/admin-preview.js", "widget/admin-embed.js")
    css = {"all": ("widget/admin.css",)}


class ThemeForm(forms.ModelForm):
    class Meta:
        model = Theme
        fields = ("name", "scheme", *COLOUR_FIELDS, *DARK_FIELDS, "font_family", "corner_radius")
        widgets = {name: forms.TextInput(attrs={"type": "color", "class": "bw-colour"}) for name in COLOUR_FIELDS} | {
            name: forms.TextInput(attrs={"placeholder": "#rrggbb (blank: derived)", "size": 12}) for name in DARK_FIELDS
        }


def preview_context(request: HttpRequest) -> dict[str, Any]:
    return {
        "preview_base": reverse("admin:widget_widget_preview"),
        "devices": [("phone", "Phone", 360), ("tablet", "Tablet", 768), ("desktop", "Desktop", 1280)],
    }


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    form = ThemeForm
    list_display = ("name", "scheme", "font_family", "corner_radius", "accent")
    list_filter = ("scheme", "font_family")
    search_fields = ("name",)
    Media = AdminMedia

    def get_urls(self) -> list[URLPattern]:
        contrast = path("contrast/", self.admin_site.admin_view(admin_preview.contrast), name="widget_theme_contrast")
        return [contrast, *super().get_urls()]

    def save_model(self, request: HttpRequest, obj: Theme, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        weak = [check for check in obj.contrast_checks() if check.verdict == "warning"]
        if weak:
            messages.warning(
                request,
                f"Low contrast in “{obj.name}”: "
                + "; ".join(check.describe() for check in weak)
                + f". WCAG asks for at least {WARN_BELOW:g}:1 for text.",
            )

    def render_change_form(self, request: HttpRequest, context: dict, *args: Any, **kwargs: Any) -> HttpResponse:
        theme = context.get("original")
        context |= preview_context(request)
        context["preview_query"] = f"theme={theme.pk}" if theme is not None and theme.pk else ""
        context["contrast_url"] = reverse("admin:widget_theme_contrast")
        # What the preview script applies as the form changes: the stylesheet's own mapping.
        context["theme_preview"] = {"variables": COLOUR_VARIABLES, "fonts": FONT_STACKS, "maxRadius": MAX_RADIUS}
        return super().render_change_form(request, context, *args, **kwargs)


class WidgetForm(forms.ModelForm):
    game_types = GameTypesField(label="Game types")

    class Meta:
        model = Widget
        fields = (
            "name",
            "enabled",
            "theme",
            "language",
            "currency",
            "game_types",
            "follow_feed",
            "show_games",
            "show_results",
            "show_jackpots",
            "allowed_origins",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen = self.instance.game_type_list() if self.instance.game_types else []
        field = self.fields["game_types"]
        assert isinstance(field, GameTypesField)
        field.offer(async_to_sync(offered_game_types)(get_language() or "en"), chosen)
        self.initial["game_types"] = chosen

    def clean_game_types(self) -> str:
        return ", ".join(str(game_type) for game_type in self.cleaned_data["game_types"])


@admin.register(Widget)
class WidgetAdmin(admin.ModelAdmin):
    form = WidgetForm
    # Fits 1280 px beside the navigation and the filters (language is a filter, not a column).
    list_display = ("name", "games", "theme", "enabled", "viewers", "taps_today", "changed", "embed")
    list_filter = ("enabled", "language", "theme", "show_jackpots")
    search_fields = ("name", "public_id", "allowed_origins")
    readonly_fields = ("public_id", "viewers_now", "created", "updated", "audience")
    fieldsets = (
        (None, {"fields": ("name", "enabled", "public_id", "viewers_now", "theme", "language", "currency")}),
        ("Content", {"fields": ("game_types", "follow_feed", "show_games", "show_results", "show_jackpots")}),
        ("Embedding", {"fields": ("allowed_origins",)}),
        ("Audience", {"fields": ("audience",)}),
        ("History", {"fields": ("created", "updated"), "classes": ("collapse",)}),
    )
    inlines = [PlaySettingsInline, StreamSourceInline]
    # Play links, audience charts and taps today live in the play app.
    audience = audience_charts
    taps_today = taps_today_column
    Media = AdminMedia

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("preview/", view(admin_preview.preview_page), name="widget_widget_preview"),
            path("preview/theme.css", view(admin_preview.preview_theme), name="widget_widget_preview_theme"),
            *super().get_urls(),
        ]

    @admin.display(description="Games")
    def games(self, obj: Widget) -> str:
        ids = obj.game_type_list()
        shown = ", ".join(str(t) for t in ids[:4])
        return shown + (f" +{len(ids) - 4}" if len(ids) > 4 else "")

    @admin.display(description="Updated", ordering="updated")
    def changed(self, obj: Widget) -> str:
        return date_format(localtime(obj.updated), "Y-m-d H:i") if obj.updated else ""

    @admin.display(description="Viewers")
    def viewers(self, obj: Widget) -> int:
        return viewers_now().get(obj.public_id, 0)

    @admin.display(description="Viewers now (all web processes)")
    def viewers_now(self, obj: Widget) -> int:
        return self.viewers(obj) if obj.pk else 0

    @admin.display(description="Embed")
    def embed(self, obj: Widget) -> str:
        # admin-embed.js builds the snippet, the same code as the embed builder on the widget's page.
        return format_html(
            '<button type="button" class="button bw-copy-snippet" data-widget="{}" '
            'aria-label="Copy the embed snippet of {}">Copy</button>',
            obj.public_id,
            obj.name,
        )

    def save_model(self, request: HttpRequest, obj: Widget, form: forms.ModelForm, change: bool) -> None:
        # Game types chosen by hand win over following the feed.
        if change and "game_types" in form.changed_data and "follow_feed" not in form.changed_data:
            obj.follow_feed = False
        super().save_model(request, obj, form, change)

    def render_change_form(self, request: HttpRequest, context: dict, *args: Any, **kwargs: Any) -> HttpResponse:
        widget = context.get("original")
        context |= preview_context(request)
        context["languages"] = settings.LANGUAGES
        context["public_id"] = widget.public_id if widget is not None and widget.pk else ""
        return super().render_change_form(request, context, *args, **kwargs)
