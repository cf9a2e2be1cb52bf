"""The admin's live preview: the real widget page for settings not saved yet, and theme contrast.

The preview page is the widget's own template, stylesheet and script with live feed data;
only the settings come from the admin's form (query parameters) instead of a saved row.
Being staff is not enough: the preview (and its socket, ``/ws/preview/``) and its theme
stylesheet need a permission on widgets or themes, the contrast check one on themes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.urls import reverse

from play.preview import attach_preview_play
from streams.plan import stream_plan
from widget.contrast import CHECKED_FIELDS, LIGHT_FIELDS, checks
from widget.csp import widget_policy
from widget.models import Theme, Widget
from widget.offered import offered_game_types
from widget.validators import is_colour, parse_game_types, validate_currency
from widget.views import SCHEMES, render_widget, theme_stylesheet

PREVIEW_ID = "preview"
PREVIEWED_GAMES = 4  # a theme preview shows the feed's first few games


def permissions(model: type[Model]) -> tuple[str, ...]:
    """The permissions that open ``model``'s admin forms: view, change, and add (the empty form)."""
    meta = model._meta
    return tuple(f"{meta.app_label}.{get_permission_codename(action, meta)}" for action in ("view", "change", "add"))


# Both admin forms frame the preview (the theme's with its own theme), and the preview
# loads the stylesheet of the theme it shows: anyone who may open either form needs both.
PREVIEW_PERMISSIONS = permissions(Widget) + permissions(Theme)
CONTRAST_PERMISSIONS = permissions(Theme)


def may_use(user: Any, needed: tuple[str, ...]) -> bool:
    """``user`` is active staff holding at least one of the ``needed`` permissions."""
    if user is None or not user.is_active or not user.is_staff:
        return False
    return any(user.has_perm(permission) for permission in needed)


def may_preview(user: Any) -> bool:
    """Whether ``user`` may see the preview page, its theme stylesheet and its socket."""
    return may_use(user, PREVIEW_PERMISSIONS)


View = Callable[..., HttpResponse]


def requires_one_of(needed: tuple[str, ...]) -> Callable[[View], View]:
    """403 for staff without any of the ``needed`` permissions (admin_view sends others to log in)."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not may_use(request.user, needed):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded

    return decorate


def _theme(value: str | None) -> Theme:
    # ASCII digits that fit a bigint: "²".isdigit() is True, and 10**30 overflows the column.
    if not value or not (value.isascii() and value.isdigit() and len(value) <= 18):
        return Theme(name="Preview")
    return Theme.objects.filter(pk=value).first() or Theme(name="Preview")


def preview_widget(query: QueryDict) -> Widget:
    """An unsaved widget from the form's values; anything invalid falls back to a default."""
    try:
        game_types = parse_game_types(query.get("types", ""))
    except ValidationError:
        game_types = [t for t, _ in async_to_sync(offered_game_types)()][:PREVIEWED_GAMES]
    currency = query.get("currency", "EUR")
    try:
        validate_currency(currency)
    except ValidationError:
        currency = "EUR"
    language = query.get("lang", "")
    widget = Widget(
        name="Preview",
        public_id=PREVIEW_ID,
        language=language if language in dict(settings.LANGUAGES) else "en",
        game_types=", ".join(str(t) for t in game_types),
        currency=currency,
        show_games=query.get("games", "1") != "0",
        show_results=query.get("results", "1") != "0",
        show_jackpots=query.get("jackpots", "1") != "0",
        theme=_theme(query.get("theme")),
    )
    attach_preview_play(widget, query)  # the play link and responsible-play line being edited
    return widget


@requires_one_of(PREVIEW_PERMISSIONS)
def preview_page(request: HttpRequest) -> HttpResponse:
    widget = preview_widget(request.GET)
    scheme = request.GET.get("scheme", "")
    socket_query = {
        "types": widget.game_types.replace(" ", ""),
        "currency": widget.currency,
        "lang": widget.language,
        "jackpots": "1" if widget.show_jackpots else "0",
    }
    theme_query = urlencode({"theme": widget.theme.pk or ""})
    response = async_to_sync(render_widget)(
        request,
        widget,
        widget.language,
        scheme if scheme in SCHEMES else widget.theme.scheme,
        theme_url=reverse("admin:widget_widget_preview_theme") + "?" + theme_query,
        socket_path="/ws/preview/?" + urlencode(socket_query),
    )
    # Framed by the admin only; the streams the widget would play, playing.
    response["Content-Security-Policy"] = widget_policy([], **async_to_sync(stream_plan)(widget).csp())
    return response


@requires_one_of(PREVIEW_PERMISSIONS)
def preview_theme(request: HttpRequest) -> HttpResponse:
    return theme_stylesheet(_theme(request.GET.get("theme")))


@requires_one_of(CONTRAST_PERMISSIONS)
def contrast(request: HttpRequest) -> JsonResponse:
    """The contrast of every pair for the colours in the query (the theme form's current values)."""
    values = {name: request.GET.get(name, "") for name in CHECKED_FIELDS}
    bad = [name for name, value in values.items() if value and not is_colour(value)]
    if bad or not all(values[name] for name in LIGHT_FIELDS.values()):
        return JsonResponse({"checks": [], "error": "Enter every colour as #rrggbb to see its contrast."})
    values["scheme"] = request.GET.get("scheme", "auto")
    return JsonResponse({"checks": [check.as_json() for check in checks(values)]})
