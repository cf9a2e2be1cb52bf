"""The widget admin's play settings (an inline), its audience charts and the list's taps today."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.safestring import SafeString

from play.audience import audience_html, taps_today
from play.models import PlaySettings
from widget.models import Widget


class PlaySettingsForm(forms.ModelForm):
    class Meta:
        model = PlaySettings
        fields = (
            "url_template",
            "new_tab",
            "age_mark",
            "responsible_text",
            "responsible_url",
            "hide_play",
            "hidden_languages",
        )
        widgets = {
            "url_template": forms.URLInput(attrs={"class": "vURLField"}),
            "responsible_url": forms.URLInput(attrs={"class": "vURLField"}),
        }


class PlaySettingsInline(admin.StackedInline):
    model = PlaySettings
    form = PlaySettingsForm
    can_delete = False
    min_num = 0
    max_num = 1
    extra = 1
    fieldsets = (
        ("Play link", {"fields": ("url_template", "new_tab")}),
        (
            "Responsible play (off by default)",
            {"fields": ("age_mark", "responsible_text", "responsible_url", "hide_play", "hidden_languages")},
        ),
    )


@admin.display(description="Audience")
def audience_charts(model_admin: admin.ModelAdmin, obj: Widget | None) -> SafeString:
    if obj is None or obj.pk is None:
        return SafeString("Figures start once the widget is saved and viewed.")
    return audience_html(obj.public_id)


@admin.display(description="Taps today")
def taps_today_column(model_admin: admin.ModelAdmin, obj: Widget) -> int:
    return taps_today().get(obj.public_id, 0)
