"""What the admin shows about the feed and the audience: live or not and why, viewers per widget."""

from __future__ import annotations

import time
from typing import Any

from asgiref.sync import async_to_sync

from feed.protocol.keys import HEALTH_KEY
from feed.status import worker_silence
from feed.store import get_store
from widget import viewer_count

COUNTS_FRESH_FOR = 1.0  # the widget list asks once per row; one Redis scan serves them all

STATE_WORDS = {
    "live": "Live",
    "paused": "Paused: connected, but BETCORE sends nothing",
    "reconnecting": "Reconnecting to BETCORE",
    "recovering": "Recovering",
    "starting": "Starting",
}


async def _read_health() -> dict[str, Any]:
    store = get_store()
    return (await store.get_many([HEALTH_KEY])).get(HEALTH_KEY) or {}


def feed_overview(now: float | None = None) -> dict[str, Any]:
    """The feed's state in words, for the admin index."""
    now = now or time.time()
    try:
        health = async_to_sync(_read_health)()
    except Exception as error:
        return {"state": "unknown", "words": f"The state store is unreachable ({type(error).__name__})."}
    silence = worker_silence(health, now)
    if not health:
        return {"state": "unknown", "words": silence}
    last = float(health.get("lastMessageAt") or 0)
    state = str(health.get("status") or "unknown")
    overview = {
        "state": state,
        "words": STATE_WORDS.get(state, state),
        "reason": health.get("reason") or "",
        "last_push_age": round(now - last, 1) if last else None,
        "reconnects_today": int(health.get("reconnectsToday") or 0),
        "worker_started": health.get("startedAt"),
    }
    if silence:
        overview |= {"state": "unknown", "words": silence}
    return overview


_cached: tuple[float, dict[str, int]] = (0.0, {})


def viewers_now() -> dict[str, int]:
    """Open sockets per widget public id over every web process (cached for a second)."""
    global _cached
    taken, counts = _cached
    if time.monotonic() - taken > COUNTS_FRESH_FOR:
        try:
            counts = async_to_sync(viewer_count.all_counts)()
        except Exception:  # Redis away: the admin still works, the count says so
            return {}
        _cached = (time.monotonic(), counts)
    return counts
