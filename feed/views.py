"""Health and metrics endpoints: /livez, /readyz, /metrics."""

from __future__ import annotations

import time

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from feed.ops_access import ops_only
from feed.protocol.keys import HEALTH_KEY
from feed.status import worker_silence
from feed.store import get_store


@require_GET
def livez(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain")


def _database_ok() -> bool:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


async def _channel_layer_ok() -> bool:
    layer = get_channel_layer()
    try:
        # A group send with no members still round-trips to Redis in scale-out mode.
        await layer.group_send("readyz-probe", {"type": "probe"})
        return True
    except Exception:
        return False


@ops_only
@require_GET
async def readyz(request: HttpRequest) -> JsonResponse:
    """Feed freshness and dependencies as JSON; 503 when the feed is stale or a dependency is down."""
    store = get_store()
    store_ok = await store.ping()
    health = (await store.get_many([HEALTH_KEY])).get(HEALTH_KEY, {}) if store_ok else {}
    now = time.time()
    last = health.get("lastMessageAt") or 0
    age = round(now - last, 3) if last else None
    body = {
        "hubConnected": bool(health.get("connected")) and not worker_silence(health, now),
        "secondsSinceLastMessage": age,
        "lastSid": health.get("lastSid"),
        "reconnects": health.get("reconnects", 0),
        "parseErrors": health.get("parseErrors", 0),
        "feedStatus": health.get("status", "unknown"),
        # Why the feed is not streaming, in plain words ("" while it is).
        "reason": health.get("reason", "") or worker_silence(health, now),
        "connectionMode": health.get("connectionMode", ""),
        "pushTargets": health.get("pushTargets", []),
        "unknownTargets": health.get("unknownTargets", {}),
        "sidGaps": health.get("sidGaps", 0),
        "channelLayer": store_ok and await _channel_layer_ok(),
        "database": await sync_to_async(_database_ok)(),
    }
    stale = age is None or age > settings.FEED_READY_MAX_AGE_SECONDS
    body["ready"] = not stale and body["channelLayer"]
    return JsonResponse(body, status=200 if body["ready"] else 503)


@ops_only
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)
