"""The widget page (server-rendered first paint), its theme stylesheet, and the demo partner page."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from feed.protocol.keys import POOLED_GAME_TYPE
from feed.snapshot import read_snapshot
from feed.store import MemoryStore, get_store
from play.page import page_play
from streams.plan import stream_plan
from widget import widget_cache
from widget.allowed_hosts import host_allowed
from widget.csp import widget_policy
from widget.labels import widget_labels
from widget.live_config import client_config, theme_url
from widget.models import Theme, Widget
from widget.validators import parse_origins

SCHEMES = ("light", "dark", "auto")
RETRY_SECONDS = 5

log = logging.getLogger("widget.page")


# Pages shown inside the partner's iframe when there is no widget to show. They carry
# nothing but a public reason code, so any page may frame them: the partner then sees a
# short message instead of the browser's broken-frame box, and embed.js gets the reason.
UNAVAILABLE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors *"
)


def _unavailable_page(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    language = _choice(request, "lang", [code for code, _ in settings.LANGUAGES], "en")
    with translation.override(language):
        messages = {
            "unknown-widget": _("This widget does not exist or is switched off."),
            "unavailable": _("The live feed is temporarily unavailable; retrying…"),
        }
        response = render(
            request,
            "widget/unavailable.html",
            {"language": language, "reason": reason, "message": messages[reason], "title": _("Live games")},
            status=status,
        )
    response["Content-Security-Policy"] = UNAVAILABLE_POLICY
    response["Cache-Control"] = "no-store"
    return response


def _unavailable(request: HttpRequest) -> HttpResponse:
    """The database is away: a 503 that the iframe reloads by itself (Refresh header)."""
    response = _unavailable_page(request, "unavailable", 503)
    response["Retry-After"] = str(RETRY_SECONDS)
    response["Refresh"] = str(RETRY_SECONDS)
    return response


def _choice(request: HttpRequest, name: str, allowed: tuple[str, ...] | list[str], default: str) -> str:
    value = request.GET.get(name, "")
    return value if value in allowed else default


# Compressed: the page carries no secret for BREACH to guess at (no CSRF token, no
# session, no personal data; the same feed state for every viewer), so gzip is safe here.
@gzip_page
@require_GET
@xframe_options_exempt  # framing is governed by the per-widget CSP frame-ancestors instead
async def widget_page(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        # From the per-process widget cache: a burst of page views costs one query per widget.
        widget = await widget_cache.live_widget(public_id)
    except DatabaseError:
        log.warning("widget page: database unavailable")
        return _unavailable(request)
    if widget is None:
        return _unavailable_page(request, "unknown-widget", 404)
    language = _choice(request, "lang", [code for code, _ in settings.LANGUAGES], widget.language)
    scheme = _choice(request, "scheme", SCHEMES, widget.theme.scheme)
    response = await render_widget(
        request,
        widget,
        language,
        scheme,
        theme_url=theme_url(widget),
        socket_path=f"/ws/w/{widget.public_id}/?lang={language}",
    )
    response["Content-Security-Policy"] = widget_policy(widget.origin_list(), **(await stream_plan(widget)).csp())
    return response


async def render_widget(
    request: HttpRequest, widget: Widget, language: str, scheme: str, theme_url: str, socket_path: str
) -> HttpResponse:
    """The widget page for ``widget`` with the feed's current state (the admin preview uses it too)."""
    try:
        snapshot = await read_snapshot(get_store(), widget.game_type_list(), language, widget.currency, widget.language)
    except Exception as error:  # Redis away: paint the frame empty ("reconnecting"); the socket fills it in
        log.warning("widget page: state store unavailable (%s)", type(error).__name__)
        snapshot = await read_snapshot(
            MemoryStore(), widget.game_type_list(), language, widget.currency, widget.language
        )
    with translation.override(language):
        labels = widget_labels()
        response = render(
            request,
            "widget/widget.html",
            {
                "widget": widget,
                "language": language,
                "scheme": scheme,
                "snapshot": snapshot,
                "labels": labels,
                "games": _games_for_template(widget, snapshot, labels),
                "jackpots": snapshot["jackpots"],
                "banner": labels["banner"].get(snapshot["status"]["state"], ""),
                "pooled_jackpot": next((row for row in snapshot["jackpots"] if row.get("t") == POOLED_GAME_TYPE), None),
                "widget_config": client_config(widget),
                "play": page_play(widget, language),
                "theme_url": theme_url,
                "socket_path": socket_path,
                "streams": plan.client_data() if (plan := await stream_plan(widget)) else None,
            },
        )
    response["Cache-Control"] = "no-store"
    return response


def _games_for_template(widget: Widget, snapshot: dict, labels: dict) -> list[dict]:
    games = {game["t"]: game for game in snapshot["games"]}
    pooled = any(row.get("t") == POOLED_GAME_TYPE for row in snapshot["jackpots"])
    rows = []
    for game_type in widget.game_type_list():
        game = games.get(game_type, {})
        state_key = "maintenance" if game.get("maintenance") else game.get("phase") or game.get("state") or ""
        rows.append(
            {
                "t": game_type,
                "name": snapshot["names"].get(str(game_type)) or f"#{game_type}",
                "game": game,
                "state_key": state_key,
                "state_label": labels["states"].get(state_key, ""),
                "results": snapshot["results"].get(str(game_type), [])[:3],
                "more_results": len(snapshot["results"].get(str(game_type), [])) > 3,
                # As widget.js decides: a game's own pot is hidden when it has none and a pooled one shows.
                "jackpot_hidden": pooled and not any(row.get("t") == game_type for row in snapshot["jackpots"]),
            }
        )
    return rows


@require_GET
async def theme_css(request: HttpRequest, public_id: str) -> HttpResponse:
    """The widget's theme as CSS custom properties (external, so CSP needs no inline style)."""
    try:
        widget = await widget_cache.live_widget(public_id)
    except DatabaseError:
        return _unavailable(request)
    if widget is None:
        raise Http404("No such widget")
    return theme_stylesheet(widget.theme)


def theme_stylesheet(theme: Theme) -> HttpResponse:
    variables = ";".join(f"{name}:{value}" for name, value in theme.css_variables().items())
    body = f".bw-root{{{variables}}}\n"
    response = HttpResponse(body, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def demo_partner_page(request: HttpRequest) -> HttpResponse:
    """A stand-in partner page that embeds the first enabled widget with embed.js (demo pages only)."""
    if not settings.DEMO_PAGES:
        raise Http404("Demo pages are off (DEBUG=0 and DEMO_PAGES unset)")
    widget = Widget.objects.enabled().first()
    if widget is None:
        raise Http404("No enabled widget; run `python manage.py serve` or add one in the admin")
    widget_origin = f"{request.scheme}://{request.get_host()}"
    requested = request.GET.get("widget_origin")
    if requested:
        # Only one of our own hosts: this value becomes a script URL on the page.
        try:
            origins = parse_origins(requested)
        except ValidationError:
            origins = []
        if len(origins) != 1 or not host_allowed(urlsplit(origins[0]).hostname or ""):
            return HttpResponseBadRequest("widget_origin must be one of this site's allowed hosts")
        widget_origin = origins[0]
    # ?widget=ID&lang=xx embed another id (an unknown one shows the host-side error event).
    public_id = request.GET.get("widget", "") or widget.public_id
    language = _choice(request, "lang", [code for code, _ in settings.LANGUAGES], "")
    context = {"public_id": public_id, "language": language, "widget_origin": widget_origin, "widget": widget}
    template = "widget/demo_partner.html"
    if request.GET.get("layout") == "crowded":
        # A busy partner page: two widgets, the second embedded three times (once in
        # Russian, once in the footer far below the fold); a script may add more later.
        others = Widget.objects.enabled().exclude(pk=widget.pk)[:1]
        context["second_id"] = others[0].public_id if others else widget.public_id
        template = "widget/demo_crowded.html"
    response = render(request, template, context)
    # A partner's page: it loads embed.js from the widget's origin and frames the widget from there.
    response["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' {widget_origin}; frame-src {widget_origin}; "
        "style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    return response


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """A directory of the enabled widgets (demo pages only: it lists every public id)."""
    if not settings.DEMO_PAGES:
        raise Http404("Demo pages are off (DEBUG=0 and DEMO_PAGES unset)")
    widgets = Widget.objects.enabled()[:20]
    return render(request, "home.html", {"widgets": widgets})
