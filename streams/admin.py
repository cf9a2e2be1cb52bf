"""Stream sources in the admin: per widget (an inline) and global, with a preview and a reachability warning."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

from betcore.streams import check_stream
from feedsite.page_policy import DEFAULT_POLICY
from streams.models import StreamSource
from streams.plan import HLS_PLAYER, forget_all
from streams.validators import stream_origin

FIELDS = ("game_type", "kind", "url", "poster", "featured", "enabled")
HTTPS_FIRST: Mapping[type[models.Field[Any, Any]], Mapping[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}  # a bare host typed in becomes https://


def warn_if_unplayable(request: HttpRequest, source: StreamSource) -> None:
    """An admin warning (the source is saved anyway) when its address does not answer or is not a playlist."""
    checked = check_stream(source.url, source.kind)
    if not checked.ok:
        messages.warning(request, f"Game type {source.game_type}: {source.url} {checked.problem}.")


class WarningFormSet(BaseInlineFormSet):
    request: HttpRequest | None = None

    def save(self, commit: bool = True) -> list[Any]:
        saved = super().save(commit)
        forget_all()
        if self.request is not None:
            for source in saved:
                warn_if_unplayable(self.request, source)
        return saved


class StreamSourceInline(admin.StackedInline):
    """A widget's own streams (they win over the global ones of the same game type).

    Stacked, not tabular: the tabular layout's empty header cell is an accessibility error.
    """

    model = StreamSource
    fields = FIELDS
    extra = 0
    formset = WarningFormSet
    formfield_overrides = HTTPS_FIRST
    verbose_name = "video stream"
    verbose_name_plural = "Video streams (this widget's own; global ones under Live video streams)"

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        return type("RequestWarningFormSet", (formset,), {"request": request})


def preview_policy(source: StreamSource | None) -> str:
    """The admin's page policy, opened for this one stream's origins (so the preview can play)."""
    if source is None or source.pk is None:
        return DEFAULT_POLICY
    origins = {"media": stream_origin(source.url)} if source.kind == "hls" else {"frame": stream_origin(source.url)}
    policy = DEFAULT_POLICY.replace("img-src 'self' data:", "img-src 'self' data:" + _extra(source.poster))
    if "media" in origins:
        policy += f"; media-src 'self' blob: {origins['media']}; connect-src 'self' {origins['media']}"
    else:
        policy = policy.replace("frame-src 'self'", f"frame-src 'self' {origins['frame']}")
    return policy


def _extra(poster: str) -> str:
    return f" {stream_origin(poster)}" if poster else ""


@admin.register(StreamSource)
class StreamSourceAdmin(admin.ModelAdmin):
    list_display = ("game_type", "kind", "url", "owner", "featured", "enabled")
    list_filter = ("kind", "enabled", ("widget", admin.EmptyFieldListFilter))
    search_fields = ("url", "widget__name")
    fields = ("widget", *FIELDS, "preview")
    readonly_fields = ("preview",)
    formfield_overrides = HTTPS_FIRST

    class Media:
        js = ("streams/admin-stream-preview.js",)

    @admin.display(description="Shown in")
    def owner(self, obj: StreamSource) -> str:
        return obj.widget.name if obj.widget is not None else "every widget"

    @admin.display(description="Preview")
    def preview(self, obj: StreamSource) -> SafeString:
        if obj.pk is None:
            return SafeString("Save to preview the stream.")
        checked = check_stream(obj.url, obj.kind)
        note = "" if checked.ok else format_html('<p class="errornote">This address {}.</p>', checked.problem)
        if obj.kind == "page":
            player = format_html(
                '<iframe class="bw-stream-preview" src="{}" width="320" height="180" title="Stream preview"></iframe>',
                obj.url,
            )
        else:
            player = format_html(
                '<video class="bw-stream-preview" data-src="{}" data-hls="{}" poster="{}" width="320" height="180" '
                "muted controls playsinline></video>",
                obj.url,
                static(HLS_PLAYER),
                obj.poster,
            )
        return format_html("{}{}", note, player)

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().change_view(request, object_id, *args, **kwargs)
        source = self.get_object(request, object_id)
        response["Content-Security-Policy"] = preview_policy(source)
        return response

    def save_model(self, request: HttpRequest, obj: StreamSource, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        forget_all()
        warn_if_unplayable(request, obj)

    def delete_model(self, request: HttpRequest, obj: StreamSource) -> None:
        super().delete_model(request, obj)
        forget_all()
