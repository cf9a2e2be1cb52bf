"""Admin for themes and widgets: colour pickers, live preview, embed snippets."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from widget.models import Theme, Widget

COLOUR_FIELDS = ("background", "surface", "text", "accent", "positive", "negative")
DARK_FIELDS = ("dark_background", "dark_surface", "dark_text", "dark_accent")  # optional: text, not pickers


class ThemeForm(forms.ModelForm):
    class Meta:
        model = Theme
        fields = ("name", "scheme", *COLOUR_FIELDS, *DARK_FIELDS, "font_family", "corner_radius")
        widgets = {name: forms.TextInput(attrs={"type": "color", "class": "bw-colour"}) for name in COLOUR_FIELDS} | {
            name: forms.TextInput(attrs={"placeholder": "#rrggbb (blank: derived)", "size": 12}) for name in DARK_FIELDS
        }


def preview_url(widget: Widget | None) -> str | None:
    return reverse("widget-page", args=[widget.public_id]) if widget else None


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    form = ThemeForm
    list_display = ("name", "scheme", "font_family", "corner_radius", "accent")
    list_filter = ("scheme", "font_family")
    search_fields = ("name",)

    class Media:
        js = ("widget/admin-preview.js",)
        css = {"all": ("widget/admin.css",)}

    def render_change_form(self, request: HttpRequest, context: dict, *args: Any, **kwargs: Any) -> HttpResponse:
        theme = context.get("original")
        widget = (theme.widgets.enabled().first() if theme else None) or Widget.objects.enabled().first()
        context["preview_url"] = preview_url(widget)
        return super().render_change_form(request, context, *args, **kwargs)


@admin.register(Widget)
class WidgetAdmin(admin.ModelAdmin):
    list_display = ("name", "public_id", "language", "game_types", "theme", "enabled", "updated")
    list_filter = ("enabled", "language", "theme", "show_jackpots")
    search_fields = ("name", "public_id", "allowed_origins")
    readonly_fields = ("public_id", "created", "updated")
    fieldsets = (
        (None, {"fields": ("name", "enabled", "public_id", "theme", "language", "currency")}),
        ("Content", {"fields": ("game_types", "follow_feed", "show_games", "show_results", "show_jackpots")}),
        ("Embedding", {"fields": ("allowed_origins",)}),
        ("History", {"fields": ("created", "updated"), "classes": ("collapse",)}),
    )

    class Media:
        js = ("widget/admin-preview.js",)
        css = {"all": ("widget/admin.css",)}

    def save_model(self, request: HttpRequest, obj: Widget, form: forms.ModelForm, change: bool) -> None:
        # Game types chosen by hand win over following the feed.
        if change and "game_types" in form.changed_data and "follow_feed" not in form.changed_data:
            obj.follow_feed = False
        super().save_model(request, obj, form, change)

    def render_change_form(self, request: HttpRequest, context: dict, *args: Any, **kwargs: Any) -> HttpResponse:
        widget = context.get("original")
        if widget is not None and widget.pk:
            origin = f"{request.scheme}://{request.get_host()}"
            page = origin + reverse("widget-page", args=[widget.public_id])
            context["embed_script"] = (
                f'<script src="{origin}/static/widget/embed.js" data-widget="{widget.public_id}" async></script>'
            )
            context["embed_iframe"] = (
                f'<iframe src="{page}" title="Live games" loading="lazy" '
                'style="border:0;width:100%;height:480px"></iframe>'
            )
            context["preview_url"] = preview_url(widget) if widget.enabled else None
        return super().render_change_form(request, context, *args, **kwargs)
