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
from betcore.messages import Game, GamesInfo, MessageError, RoundInfo, parse_push
from betcore.rest import BetcoreError, BetcoreRest, CredentialsRejected
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
    pushed_result_view,
    result_view,
)
from feed.rounds import COMPLETED_STATES, GameRounds
from feed.store import FeedStore

log = logging.getLogger("feed.worker")

RESULTS_KEPT = 10
PAUSED_AFTER = 2.0  # seconds without data on a live connection before viewers see "paused"
FETCH_RETRY_SECONDS = 5.0  # a failed or not yet complete round fetch waits this long
MALFORMED_FOR = 5.0  # seconds of only malformed pushes before /readyz says so


@dataclass
class WorkerConfig:
    hub_url: str
    partner_id: int
    push_target: str = "auto"
    negotiate: str = "auto"
    token_in: str = "both"
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
    last_parse_error_at: float = 0.0
    last_parse_reason: str = ""
    sid_gaps: int = 0
    sid_repeats: int = 0
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
        offered: Callable[[list[int]], Awaitable[None]] | None = None,
    ) -> None:
        self.config = config
        self.rest = rest
        self.store = store
        self.layer = channel_layer
        self.wanted_source = wanted
        self.offered_sink = offered  # told the game types BETCORE offers (widgets that follow the feed)
        self.wanted = Wanted()
        self.health = WorkerHealth()
        self.games: dict[int, dict[str, Any]] = {}
        self.results: dict[int, list[dict[str, Any]]] = {}
        self.rounds: dict[int, GameRounds] = {}
        self.jackpots: dict[tuple[int, str], dict[str, Any]] = {}
        self.names: dict[str, dict[int, str]] = {}
        self.session = -1
        self.sids: dict[tuple[int, ...], int] = {}  # last sId per subscription (the game types of a push)
        self.hub: HubSupervisor | None = None
        self._fetching: set[int] = set()  # game types with a result fetch running
        self._fetch_not_before: dict[int, float] = {}
        self._catch_up_tasks: set[asyncio.Task] = set()
        self._unknown_counted: dict[str, int] = {}
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
            negotiate=self.config.negotiate,
            token_in=self.config.token_in,
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
        """Apply one hub push; returns whether it was used (False only when malformed).

        ``sId`` is information, never a filter: BETCORE does not say whether it counts per
        partner, connection or subscription, and each push carries the whole state of its
        games, so a repeated or out-of-order push is harmless (an unchanged game is a no-op).
        """
        metrics.HUB_MESSAGES.inc()
        try:
            info = parse_push(arguments)
        except MessageError as error:
            self._count_parse_error(str(error))
            return False
        if session != self.session:
            self.session = session
            self.sids = {}  # counters may restart with a new connection: no gap to report
        self._note_sid(tuple(sorted({g.game_type for g in info.games})), info.sequence)
        self.health.last_sid = info.sequence
        self.health.last_message_at = received_at or time.time()
        for game in info.games:
            await self._apply_game(game, info)
        return True

    def _note_sid(self, subscription: tuple[int, ...], sid: int) -> None:
        last = self.sids.get(subscription)
        self.sids[subscription] = sid
        if last is None or sid == last + 1:
            return
        if sid <= last:
            self.health.sid_repeats += 1
        else:
            self.health.sid_gaps += 1
        metrics.SID_GAPS.labels("repeat" if sid <= last else "gap").inc()
        log.debug("sId for %s went %d -> %d", subscription or "(no games)", last, sid)

    def _count_parse_error(self, reason: str) -> None:
        self.health.parse_errors += 1
        self.health.last_parse_error_at = time.time()
        self.health.last_parse_reason = reason
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
        rounds = self.rounds.setdefault(game.game_type, GameRounds())
        rounds.observe(game)
        pushed = game.pushed_result()
        if pushed is not None and game.state in COMPLETED_STATES and game.id not in rounds.done:
            # The push carries the result itself: keep those fields, no REST call needed.
            rounds.fetched(game.id)
            await self._add_result(game.game_type, pushed_result_view(game, pushed))
        self._start_fetch(game)

    # -- results: the rounds we saw, fetched when complete; walked back only over proven ids ------

    def _start_fetch(self, game: Game) -> None:
        game_type = game.game_type
        if game_type in self._fetching or time.time() < self._fetch_not_before.get(game_type, 0.0):
            return
        if not self.rounds[game_type].due(game.state):
            return
        self._fetching.add(game_type)
        task = asyncio.create_task(self.fetch_results(game_type, game.state))
        self._catch_up_tasks.add(task)
        task.add_done_callback(self._catch_up_tasks.discard)

    async def fetch_results(self, game_type: int, current_state: int | None = None) -> None:
        """Fetch every due round of ``game_type``; stops (to retry later) at the first failure."""
        rounds = self.rounds.setdefault(game_type, GameRounds())
        try:
            while due := rounds.due(current_state):
                for round_id in due:
                    if not await self._fetch_round(game_type, rounds, round_id):
                        return
        finally:
            self._fetching.discard(game_type)

    async def _fetch_round(self, game_type: int, rounds: GameRounds, round_id: int) -> bool:
        try:
            info = await asyncio.to_thread(self.rest.game_info, round_id)
        except BetcoreError as error:
            if not isinstance(error, CredentialsRejected):
                log.warning("could not fetch round %d: %s; will retry", round_id, error)
            self._fetch_not_before[game_type] = max(time.time() + FETCH_RETRY_SECONDS, self.rest.auth_retry_at)
            return False
        if info is None:  # BETCORE does not know the id (walked back past the first round)
            rounds.fetched(round_id)
            return True
        if info.game_type != game_type:
            await self._foreign_round(game_type, rounds, info)
            return True
        if info.state not in COMPLETED_STATES:  # e.g. still in review: ask again a little later
            self._fetch_not_before[game_type] = time.time() + FETCH_RETRY_SECONDS
            return False
        rounds.fetched(round_id)
        await self._add_result(game_type, result_view(info))
        return True

    async def _foreign_round(self, game_type: int, rounds: GameRounds, info: RoundInfo) -> None:
        """A round id of another game type: ids are shared, so stop walking back; keep it for its own type."""
        if rounds.contradictions == 0:
            log.info("round ids are not consecutive per game type (round %d is game type %d)", info.id, info.game_type)
        rounds.foreign(info.id)
        own = self.rounds.get(info.game_type)
        if own is not None and info.id not in own.done and info.state in COMPLETED_STATES:
            own.fetched(info.id)
            await self._add_result(info.game_type, result_view(info))

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
            except CredentialsRejected:
                return  # said once by the REST client; its shared backoff decides when to retry
            except BetcoreError as error:
                log.warning("translations for %s unavailable: %s", language, error)
                continue
            if language == "en" and names and self.offered_sink is not None:
                await self._tell_offered(list(names))
            if names != self.names.get(language):
                self.names[language] = names
                shown = {str(t): name for t, name in names.items()}
                await self._save({f"names:{language}": shown})
                await self._broadcast(
                    group_for_names(language), {"type": "names", "lang": language, "names": shown}, "names"
                )

    async def _tell_offered(self, game_types: list[int]) -> None:
        assert self.offered_sink is not None
        try:
            await self.offered_sink(game_types)
        except Exception as error:  # the database may be down; the next refresh tries again
            log.warning("could not update widgets that follow the feed (%s)", type(error).__name__)
            return
        await self.refresh_wanted()

    async def refresh_jackpots(self) -> None:
        try:
            rows = await asyncio.to_thread(self.rest.jackpots)
        except CredentialsRejected:
            return
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
            "sidGaps": self.health.sid_gaps,
            "sidRepeats": self.health.sid_repeats,
            "status": status,
            "reason": self.reason(now),
            "connectionMode": stats.connection_mode if stats else "",
            "pushTargets": list(stats.push_targets) if stats else [],
            "unknownTargets": dict(stats.unknown_targets) if stats else {},
        }
        if stats and stats.reconnects > self._reconnects_counted:
            metrics.RECONNECTS.inc(stats.reconnects - self._reconnects_counted)
            self._reconnects_counted = stats.reconnects
        if stats:
            self._count_unknown_targets(stats.unknown_targets)
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

    def reason(self, now: float | None = None) -> str:
        """Why the feed is not streaming, in plain words; "" while it is."""
        now = now or time.time()
        credentials = self.rest.credentials_problem
        if credentials:
            return credentials
        stats = self.hub.stats if self.hub else None
        if stats and stats.reason:
            return stats.reason
        health = self.health
        recent_errors = now - health.last_parse_error_at < MALFORMED_FOR
        if recent_errors and now - health.last_message_at > MALFORMED_FOR:
            return f"every push is malformed: {health.last_parse_reason}"
        return ""

    def _count_unknown_targets(self, counts: dict[str, int]) -> None:
        for target, count in list(counts.items()):
            seen = self._unknown_counted.get(target, 0)
            if count > seen:
                metrics.UNKNOWN_TARGETS.labels(target).inc(count - seen)
                self._unknown_counted[target] = count

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
            "kind": kind,  # lets a consumer filter (Save-Data) without reading the text
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
