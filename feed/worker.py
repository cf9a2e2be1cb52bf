"""The feed worker: BETCORE hub and REST in, channel-layer groups and the state store out.

``FeedWorker.run()`` is the long-running loop; ``handle_push()`` is one unit of work
that tests call directly. The hub supervisor runs in its own thread and hands pushes
to this worker's event loop; REST calls run in threads so the loop never blocks.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from betcore.hub import HubSupervisor
from betcore.messages import GamesInfo, MessageError, parse_push
from betcore.rest import BetcoreError, BetcoreRest
from feed import metrics
from feed.present import (
    STATUS_GROUP,
    encode,
    game_changes,
    game_view,
    group_for_game,
    group_for_jackpots,
    group_for_names,
    jackpot_view,
    ms,
    result_view,
)
from feed.store import FeedStore

log = logging.getLogger("feed.worker")

RESULTS_KEPT = 10
INITIAL_RESULTS = 5
MAX_CATCH_UP = 20  # rounds fetched at most after a long outage
PAUSED_AFTER = 2.0  # seconds without data on a live connection before viewers see "paused"


@dataclass
class WorkerConfig:
    hub_url: str
    partner_id: int
    push_target: str = "SubOnWholeGamesInfo"
    silence_seconds: float = 10.0
    translations_refresh: float = 600.0
    jackpots_poll: float = 5.0
    reconnect_max: float = 30.0
    wanted_refresh: float = 5.0


@dataclass
class Wanted:
    """What the enabled widgets show: the worker subscribes and fetches only this."""

    game_types: tuple[int, ...] = ()
    languages: tuple[str, ...] = ("en",)


@dataclass
class WorkerHealth:
    connected: bool = False
    last_message_at: float = 0.0
    last_sid: int | None = None
    parse_errors: int = 0
    stale: int = 0
    status: str = "starting"
    parse_reasons: set[str] = field(default_factory=set)


class FeedWorker:
    def __init__(
        self,
        config: WorkerConfig,
        rest: BetcoreRest,
        store: FeedStore,
        channel_layer: Any,
        wanted: Callable[[], Awaitable[Wanted]],
    ) -> None:
        self.config = config
        self.rest = rest
        self.store = store
        self.layer = channel_layer
        self.wanted_source = wanted
        self.wanted = Wanted()
        self.health = WorkerHealth()
        self.games: dict[int, dict[str, Any]] = {}
        self.results: dict[int, list[dict[str, Any]]] = {}
        self.known_round: dict[int, int] = {}  # highest round id whose result we hold, per game type
        self.jackpots: dict[tuple[int, str], dict[str, Any]] = {}
        self.names: dict[str, dict[int, str]] = {}
        self.session = -1
        self.hub: HubSupervisor | None = None
        self._results_lock: dict[int, asyncio.Lock] = {}
        self._catch_up_tasks: set[asyncio.Task] = set()
        self._queue: asyncio.Queue | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reconnects_counted = 0
        self._store_down = False
        # Every event carries (epoch, seq) per group so a web process can tell it missed one
        # (a Redis restart drops pub/sub messages silently) and resync its viewers.
        self.epoch = uuid.uuid4().hex[:12]
        self._seq: dict[str, int] = defaultdict(int)

    # -- the long-running loop ------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue(maxsize=10_000)
        await self.refresh_wanted()
        self.hub = HubSupervisor(
            self.config.hub_url,
            token=self.rest.token,
            invalidate_token=self.rest.invalidate_token,
            partner_id=self.config.partner_id,
            game_types=lambda: self.wanted.game_types,
            deliver=self._deliver_from_thread,
            push_target=self.config.push_target,
            silence_seconds=self.config.silence_seconds,
            backoff_max=self.config.reconnect_max,
        ).start()
        tasks = [
            asyncio.create_task(self._consume(), name="feed-consume"),
            asyncio.create_task(self._every(self.config.wanted_refresh, self.refresh_wanted), name="feed-wanted"),
            asyncio.create_task(
                self._every(self.config.translations_refresh, self.refresh_translations), name="feed-names"
            ),
            asyncio.create_task(self._every(self.config.jackpots_poll, self.refresh_jackpots), name="feed-jackpots"),
            asyncio.create_task(self._every(0.5, self.publish_status), name="feed-status"),
        ]
        log.info("feed worker started (hub %s)", self.config.hub_url)
        try:
            await stop.wait()
        finally:
            for task in tasks + list(self._catch_up_tasks):
                task.cancel()
            await asyncio.gather(*tasks, *self._catch_up_tasks, return_exceptions=True)
            await asyncio.to_thread(self.hub.stop)
            log.info("feed worker stopped")

    async def _every(self, seconds: float, job: Callable[[], Awaitable[Any]]) -> None:
        while True:
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("periodic job %s failed; retrying next time", getattr(job, "__name__", job))
            await asyncio.sleep(seconds)

    def _deliver_from_thread(self, session: int, arguments: Any, received_at: float) -> None:
        """Called on signalrcore's reader thread: hand over and return at once."""
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._enqueue, (session, arguments, received_at))

    def _enqueue(self, item: tuple) -> None:
        assert self._queue is not None
        if self._queue.full():  # never block the loop; the newest push carries the whole state
            self._queue.get_nowait()
        self._queue.put_nowait(item)

    async def _consume(self) -> None:
        assert self._queue is not None
        while True:
            session, arguments, received_at = await self._queue.get()
            try:
                await self.handle_push(session, arguments, received_at)
            except Exception:
                log.exception("handling a hub push failed")

    # -- one push ------------------------------------------------------------------------------

    async def handle_push(self, session: int, arguments: Any, received_at: float | None = None) -> bool:
        """Apply one hub push; returns whether it was used (not malformed, not stale)."""
        metrics.HUB_MESSAGES.inc()
        try:
            info = parse_push(arguments)
        except MessageError as error:
            self._count_parse_error(str(error))
            return False
        if session != self.session:
            # A new connection starts a new logical session: accept its first sId as is.
            self.session, self.health.last_sid = session, None
        last = self.health.last_sid
        if last is not None and info.sequence <= last:
            self.health.stale += 1
            metrics.STALE_MESSAGES.inc()
            return False
        if last is not None and info.sequence > last + 1:
            log.debug("sId gap: %d -> %d", last, info.sequence)
        self.health.last_sid = info.sequence
        self.health.last_message_at = received_at or time.time()
        for game in info.games:
            await self._apply_game(game, info)
        return True

    def _count_parse_error(self, reason: str) -> None:
        self.health.parse_errors += 1
        metrics.PARSE_ERRORS.inc()
        if reason not in self.health.parse_reasons and len(self.health.parse_reasons) < 100:
            self.health.parse_reasons.add(reason)
            log.warning("skipped a malformed hub message: %s", reason)

    async def _apply_game(self, game: Any, info: GamesInfo) -> None:
        view = game_view(game, info)
        old = self.games.get(game.game_type)
        changes = game_changes(old, view)
        if changes:
            if old is not None and "deadline" not in changes:
                view["deadline"] = old["deadline"]  # keep the first deadline when only jitter changed
            self.games[game.game_type] = view
            await self._save({f"game:{game.game_type}": view})
            message = {"type": "game", "t": game.game_type, "changes": changes, "tst": ms(info.sent_at.timestamp())}
            await self._broadcast(group_for_game(game.game_type), message, "game")
        if old is None or old["lastRoundId"] != view["lastRoundId"]:
            self._start_catch_up(game.game_type, view["lastRoundId"])

    # -- results: fetched by REST when lrId moves, none lost across gaps --------------------------

    def _start_catch_up(self, game_type: int, last_round_id: int) -> None:
        task = asyncio.create_task(self.catch_up_results(game_type, last_round_id))
        self._catch_up_tasks.add(task)
        task.add_done_callback(self._catch_up_tasks.discard)

    async def catch_up_results(self, game_type: int, last_round_id: int) -> None:
        lock = self._results_lock.setdefault(game_type, asyncio.Lock())
        async with lock:
            known = self.known_round.get(game_type)
            first = last_round_id - INITIAL_RESULTS + 1 if known is None else known + 1
            first = max(first, last_round_id - MAX_CATCH_UP + 1)
            for round_id in range(first, last_round_id + 1):
                try:
                    info = await asyncio.to_thread(self.rest.game_info, round_id)
                except BetcoreError as error:
                    log.warning("could not fetch round %d: %s; will retry", round_id, error)
                    return  # known_round stays put, so the next lrId change retries from here
                self.known_round[game_type] = round_id
                if info is None or info.state not in (3, 5):  # unknown id, or not completed
                    continue
                await self._add_result(game_type, result_view(info))

    async def _add_result(self, game_type: int, result: dict[str, Any]) -> None:
        history = [r for r in self.results.get(game_type, []) if r["id"] != result["id"]]
        history.insert(0, result)
        history.sort(key=lambda r: r["id"], reverse=True)
        self.results[game_type] = history[:RESULTS_KEPT]
        await self._save({f"results:{game_type}": self.results[game_type]})
        await self._broadcast(group_for_game(game_type), {"type": "result", "t": game_type, "result": result}, "result")

    # -- periodic work ----------------------------------------------------------------------------

    async def refresh_wanted(self) -> None:
        try:
            wanted = await self.wanted_source()
        except Exception as error:  # the database may be down; keep streaming what we have
            log.warning("could not read which games widgets show (%s); keeping %s", type(error).__name__, self.wanted)
            return
        new_languages = set(wanted.languages) - set(self.wanted.languages) - set(self.names)
        self.wanted = wanted
        if new_languages:
            await self.refresh_translations(sorted(new_languages))

    async def refresh_translations(self, languages: list[str] | None = None) -> None:
        for language in languages or self.wanted.languages:
            try:
                names = await asyncio.to_thread(self.rest.translations, language)
            except BetcoreError as error:
                log.warning("translations for %s unavailable: %s", language, error)
                continue
            if names != self.names.get(language):
                self.names[language] = names
                shown = {str(t): name for t, name in names.items()}
                await self._save({f"names:{language}": shown})
                await self._broadcast(
                    group_for_names(language), {"type": "names", "lang": language, "names": shown}, "names"
                )

    async def refresh_jackpots(self) -> None:
        try:
            rows = await asyncio.to_thread(self.rest.jackpots)
        except BetcoreError as error:
            log.warning("jackpots unavailable: %s", error)
            return
        views = {(row.game_type, row.currency): jackpot_view(row) for row in rows}
        changed = [view for key, view in views.items() if self.jackpots.get(key) != view]
        if changed:
            self.jackpots = views
            await self._save({"jackpots": list(views.values())})
            by_currency: dict[str, list[dict[str, Any]]] = {}
            for row in changed:
                by_currency.setdefault(row["currency"], []).append(row)
            for currency, rows in by_currency.items():
                await self._broadcast(group_for_jackpots(currency), {"type": "jackpots", "rows": rows}, "jackpots")

    def current_status(self, now: float | None = None) -> str:
        now = now or time.time()
        connected = bool(self.hub and self.hub.stats.connected)
        if not connected:
            return "reconnecting"
        if self.wanted.game_types and now - self.health.last_message_at > PAUSED_AFTER:
            return "paused"
        return "live"

    async def publish_status(self) -> None:
        now = time.time()
        status = self.current_status(now)
        stats = self.hub.stats if self.hub else None
        self.health.connected = bool(stats and stats.connected)
        health = {
            "heartbeat": now,
            "connected": self.health.connected,
            "lastMessageAt": self.health.last_message_at,
            "lastSid": self.health.last_sid,
            "reconnects": stats.reconnects if stats else 0,
            "parseErrors": self.health.parse_errors + (stats.bad_records if stats else 0),
            "status": status,
        }
        if stats and stats.reconnects > self._reconnects_counted:
            metrics.RECONNECTS.inc(stats.reconnects - self._reconnects_counted)
            self._reconnects_counted = stats.reconnects
        updates: dict[str, Any] = {"health": health}
        if status != self.health.status:
            log.info("feed status: %s -> %s", self.health.status, status)
            # Back to live after any gap: viewers may have missed changes and should resync.
            resync = status == "live" and self.health.status != "starting"
            self.health.status = status
            updates["status"] = {"state": status, "since": ms(now)}
            await self._save(updates)
            message = {"type": "status", "state": status, "since": ms(now), "resync": resync}
            await self._broadcast(STATUS_GROUP, message, "status")
        else:
            await self._save(updates)

    async def _save(self, items: dict[str, Any]) -> None:
        """Write to the store; while it is down, log once and keep streaming."""
        try:
            await self.store.set_many(items)
        except Exception as error:
            if not self._store_down:
                log.warning("state store unavailable (%s); snapshots will be stale", type(error).__name__)
            self._store_down = True
            return
        if self._store_down:
            log.info("state store reachable again")
            self._store_down = False
            # Republish the whole state and announce "live" again so viewers resync.
            await self.store.set_many(
                {f"game:{t}": view for t, view in self.games.items()}
                | {f"results:{t}": rows for t, rows in self.results.items()}
            )
            self.health.status = "recovering"

    async def _broadcast(self, group: str, message: dict[str, Any], kind: str) -> None:
        self._seq[group] += 1  # counted even if the send fails: the gap is what tells web processes
        event = {
            "type": "feed.message",
            "group": group,
            "text": encode(message),
            "sent": time.time(),
            "epoch": self.epoch,
            "seq": self._seq[group],
        }
        try:
            await self.layer.group_send(group, event)
            metrics.BROADCASTS.labels(kind).inc()
        except Exception as error:  # Redis down: the store keeps the state; viewers resync on "live"
            if not self._store_down:
                log.warning("broadcast to %s failed: %s", group, type(error).__name__)
