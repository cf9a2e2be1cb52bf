"""The feed's state as viewers and operators see it: live, paused or reconnecting, and why.

``StatusReport.publish`` runs every half second: it writes the health record ``/readyz``
reads, turns hub counters into metrics, and broadcasts a ``status`` message when the
state changes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from betcore.hub_stats import HubStats
from betcore.rest import BetcoreRest
from feed import metrics
from feed.protocol.browser import StatusMessage
from feed.protocol.keys import HEALTH_KEY, STATUS_GROUP, STATUS_KEY
from feed.protocol.views import FeedState
from feed.publisher import Publisher

log = logging.getLogger("feed.worker")

WORKER_SILENT_AFTER = 5.0  # seconds without a heartbeat in the health record: the worker is not running
PAUSED_AFTER = 2.0  # seconds without data on a live connection before viewers see "paused"
MALFORMED_FOR = 5.0  # seconds of only malformed pushes before /readyz says so


def worker_silence(health: dict[str, Any], now: float) -> str:
    """Why the health record says nothing current, in plain words; "" while the worker reports."""
    if not health:
        return "feed worker has not reported (is it running?)"
    silent = now - float(health.get("heartbeat") or 0)
    return f"feed worker has not reported for {silent:.0f} s (is it running?)" if silent > WORKER_SILENT_AFTER else ""


@dataclass
class WorkerHealth:
    connected: bool = False
    last_message_at: float = 0.0
    last_sid: int | None = None
    parse_errors: int = 0
    last_parse_error_at: float = 0.0
    last_parse_reason: str = ""
    sid_gaps: int = 0  # pushes the sIds say never arrived (see feed.sid_tracker)
    sid_repeats: int = 0
    sid_counter: str = ""  # what the sIds were last recognised as counting
    status: str = "starting"
    parse_reasons: set[str] = field(default_factory=set)

    def count_sids(self, gaps: int, repeats: int) -> None:
        """Add what ``SidTracker`` newly found, here and in the metric."""
        if gaps:
            self.sid_gaps += gaps
            metrics.SID_GAPS.labels("gap").inc(gaps)
            log.debug("%d hub push(es) never arrived, by their sIds", gaps)
        if repeats:
            self.sid_repeats += repeats
            metrics.SID_GAPS.labels("repeat").inc(repeats)


class StatusReport:
    def __init__(
        self,
        rest: BetcoreRest,
        health: WorkerHealth,
        publisher: Publisher,
        hub_stats: Callable[[], HubStats | None],
        showing: Callable[[], bool],
    ) -> None:
        self.rest, self.health, self.publisher = rest, health, publisher
        self.hub_stats = hub_stats
        self.showing = showing  # whether any game type is wanted (else silence is not "paused")
        self._reconnects_counted = 0
        self._unknown_counted: dict[str, int] = {}
        self.started_at = time.time()
        self._day = time.strftime("%Y-%m-%d", time.gmtime())
        self._reconnects_today = 0  # since midnight UTC or the worker's start, whichever is later

    def state(self, now: float | None = None) -> str:
        now = now or time.time()
        stats = self.hub_stats()
        if not (stats and stats.connected):
            return "reconnecting"
        if self.showing() and now - self.health.last_message_at > PAUSED_AFTER:
            return "paused"
        return "live"

    def reason(self, now: float | None = None) -> str:
        """Why the feed is not streaming, in plain words; "" while it is."""
        now = now or time.time()
        credentials = self.rest.credentials_problem
        if credentials:
            return credentials
        stats = self.hub_stats()
        if stats and stats.reason:
            return stats.reason
        health = self.health
        if now - health.last_parse_error_at < MALFORMED_FOR and now - health.last_message_at > MALFORMED_FOR:
            return f"every push is malformed: {health.last_parse_reason}"
        return ""

    async def publish(self) -> None:
        now = time.time()
        if self.publisher.recovered:  # the store came back: announce "live" again so viewers resync
            self.publisher.recovered = False
            self.health.status = "recovering"
        status = self.state(now)
        stats = self.hub_stats()
        self.health.connected = bool(stats and stats.connected)
        if stats:
            self._count(stats)
        updates: dict[str, Any] = {HEALTH_KEY: self._health_record(now, status, stats)}
        if status == self.health.status:
            await self.publisher.save(updates)
            return
        log.info("feed status: %s -> %s", self.health.status, status)
        # Back to live after any gap: viewers may have missed changes and should resync.
        resync = status == "live" and self.health.status != "starting"
        self.health.status = status
        since = round(now * 1000)
        updates[STATUS_KEY] = FeedState(status, since).to_wire()
        await self.publisher.save(updates)
        await self.publisher.broadcast(STATUS_GROUP, StatusMessage(status, since, resync))

    def _health_record(self, now: float, status: str, stats: HubStats | None) -> dict[str, Any]:
        health = self.health
        return {
            "heartbeat": now,
            "connected": health.connected,
            "lastMessageAt": health.last_message_at,
            "lastSid": health.last_sid,
            "reconnects": stats.reconnects if stats else 0,
            "reconnectsToday": self._reconnects_today,
            "startedAt": self.started_at,
            "parseErrors": health.parse_errors + (stats.bad_records if stats else 0),
            "sidGaps": health.sid_gaps,
            "sidRepeats": health.sid_repeats,
            "sidCounter": health.sid_counter,
            "status": status,
            "reason": self.reason(now),
            "connectionMode": stats.connection_mode if stats else "",
            "pushTargets": list(stats.push_targets) if stats else [],
            "unknownTargets": dict(stats.unknown_targets) if stats else {},
        }

    def _count(self, stats: HubStats) -> None:
        today = time.strftime("%Y-%m-%d", time.gmtime())
        if today != self._day:
            self._day, self._reconnects_today = today, 0
        if stats.reconnects > self._reconnects_counted:
            metrics.RECONNECTS.inc(stats.reconnects - self._reconnects_counted)
            self._reconnects_today += stats.reconnects - self._reconnects_counted
            self._reconnects_counted = stats.reconnects
        for target, count in list(stats.unknown_targets.items()):
            seen = self._unknown_counted.get(target, 0)
            if count > seen:
                metrics.UNKNOWN_TARGETS.labels(target).inc(count - seen)
                self._unknown_counted[target] = count
