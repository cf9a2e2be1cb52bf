"""The feed worker: BETCORE hub and REST in, channel-layer groups and the state store out.

``FeedWorker.run()`` is the long-running loop; ``handle_push()`` is one unit of work
that tests call directly. The hub supervisor runs in its own thread and hands pushes
to this worker's event loop; REST calls run in threads so the loop never blocks.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from betcore.hub import HubSupervisor
from betcore.messages import GamesInfo, parse_push
from betcore.rest import BetcoreError, BetcoreRest, CredentialsRejected
from betcore.value_parsing import MessageError
from feed import metrics
from feed.audience import Wanted
from feed.jackpots import JackpotKeeper
from feed.protocol.browser import GameChange, NamesMessage
from feed.protocol.events import HopTimes
from feed.protocol.keys import STREAMS_KEY, game_group, game_key, names_group, names_key, results_key
from feed.protocol.views import GameView
from feed.publisher import Publisher
from feed.results import ResultKeeper
from feed.rounds import GameRounds
from feed.sid_tracker import UNKNOWN, SidTracker
from feed.status import StatusReport, WorkerHealth
from feed.store import FeedStore
from feed.widget_protocol import game_changes, game_view

log = logging.getLogger("feed.worker")


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
        self.games: dict[int, GameView] = {}
        self.publisher = Publisher(store, channel_layer, self._whole_state)
        self.results = ResultKeeper(rest, self.publisher)
        self.jackpots = JackpotKeeper(rest, self.publisher)
        self.report = StatusReport(
            rest,
            self.health,
            self.publisher,
            lambda: self.hub.stats if self.hub else None,
            lambda: bool(self.wanted.game_types),
        )
        self.names: dict[str, dict[int, str]] = {}
        self.streams: dict[int, str] = {}  # stream addresses BETCORE carries: each game type's default source
        self.session = -1
        self.sid_tracker = SidTracker()
        self.hub: HubSupervisor | None = None
        self._queue: asyncio.Queue[tuple[int, Any, float]] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

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
            clock=self.rest.clock,  # its credentials backoff's retry_at is on that clock
        ).start()
        tasks = [
            asyncio.create_task(self._consume(), name="feed-consume"),
            asyncio.create_task(self._every(self.config.wanted_refresh, self.refresh_wanted), name="feed-wanted"),
            asyncio.create_task(
                self._every(self.config.translations_refresh, self.refresh_translations), name="feed-names"
            ),
            asyncio.create_task(self._every(self.config.jackpots_poll, self.jackpots.refresh), name="feed-jackpots"),
            asyncio.create_task(self._every(0.5, self.report.publish), name="feed-status"),
        ]
        log.info("feed worker started (hub %s)", self.config.hub_url)
        try:
            await stop.wait()
        finally:
            for task in tasks + list(self.results.tasks):
                task.cancel()
            await asyncio.gather(*tasks, *self.results.tasks, return_exceptions=True)
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
            self._count_parse_error(str(error), received_at or time.time())
            return False
        if session != self.session:
            self.session = session
            self.health.count_sids(*self.sid_tracker.restart())  # counters may restart with a connection
        self._note_sid(tuple(sorted({g.game_type for g in info.games})), info.sequence)
        self.health.last_sid = info.sequence
        received_at = received_at or time.time()
        self.health.last_message_at = received_at
        async with self.publisher.together():  # one frame per viewer for the whole push
            for game in info.games:
                await self._apply_game(game, info, received_at)
        await self.keep_streams({g.game_type: a for g in info.games if (a := g.stream_address())})
        return True

    @property
    def sids(self) -> dict[tuple[int, ...], int | None]:
        """The last sId of each subscription (the game types of a push) on this connection."""
        return self.sid_tracker.last

    def _note_sid(self, subscription: tuple[int, ...], sid: int) -> None:
        self.health.count_sids(*self.sid_tracker.observe(subscription, sid))
        counter = self.sid_tracker.counter
        if counter not in (UNKNOWN, self.health.sid_counter):
            log.info("hub sIds: %s", counter)
            self.health.sid_counter = counter

    def _count_parse_error(self, reason: str, at: float) -> None:
        self.health.parse_errors += 1
        self.health.last_parse_error_at = at
        self.health.last_parse_reason = reason
        metrics.PARSE_ERRORS.inc()
        if reason not in self.health.parse_reasons and len(self.health.parse_reasons) < 100:
            self.health.parse_reasons.add(reason)
            log.warning("skipped a malformed hub message: %s", reason)

    async def _apply_game(self, game: Any, info: GamesInfo, received_at: float) -> None:
        view = game_view(game, info)
        old = self.games.get(game.game_type)
        changes = game_changes(old, view)
        if changes:
            if old is not None and "deadline" not in changes:
                view = replace(view, deadline=old.deadline)  # keep the first deadline when only jitter changed
            self.games[game.game_type] = view
            await self.publisher.save({game_key(game.game_type): view.to_wire()})
            sent_at = info.sent_at.timestamp()
            message = GameChange(game.game_type, changes, round(sent_at * 1000))
            await self.publisher.broadcast(game_group(game.game_type), message, HopTimes(sent_at, received_at))
        await self.results.observe(game)

    # -- periodic work ----------------------------------------------------------------------------

    async def refresh_wanted(self, fetch_missing_names: bool = True) -> None:
        try:
            wanted = await self.wanted_source()
        except Exception as error:  # the database may be down; keep streaming what we have
            log.warning("could not read which games widgets show (%s); keeping %s", type(error).__name__, self.wanted)
            return
        # Languages not held yet (new, or whose fetch failed) are fetched now, not at the next refresh.
        missing = set(wanted.languages) - set(self.names)
        self.wanted = wanted
        if missing and fetch_missing_names:
            await self.refresh_translations(sorted(missing))

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
            await self.keep_streams(self.rest.streams_seen)
            if names != self.names.get(language):
                self.names[language] = names
                message = NamesMessage(language, dict(names))
                await self.publisher.save({names_key(language): message.to_wire()["names"]})
                await self.publisher.broadcast(names_group(language), message)

    async def _tell_offered(self, game_types: list[int]) -> None:
        assert self.offered_sink is not None
        try:
            await self.offered_sink(game_types)
        except Exception as error:  # the database may be down; the next refresh tries again
            log.warning("could not update widgets that follow the feed (%s)", type(error).__name__)
            return
        await self.refresh_wanted(fetch_missing_names=False)  # names are being fetched now

    async def keep_streams(self, found: dict[int, str]) -> None:
        """Store stream addresses the feed carries ("streams"): widget pages use them as defaults."""
        merged = self.streams | found
        if merged != self.streams:
            log.info(
                "the feed names a stream for game types %s", sorted(set(found) - set(self.streams)) or sorted(found)
            )
            self.streams = merged
            await self.publisher.save(self._streams_state())

    # -- what others read ---------------------------------------------------------------------------

    @property
    def rounds(self) -> dict[int, GameRounds]:
        return self.results.rounds

    def reason(self, now: float | None = None) -> str:
        """Why the feed is not streaming, in plain words; "" while it is."""
        return self.report.reason(now)

    def current_status(self, now: float | None = None) -> str:
        return self.report.state(now)

    def _streams_state(self) -> dict[str, Any]:
        return {STREAMS_KEY: {str(game_type): address for game_type, address in self.streams.items()}}

    def _whole_state(self) -> dict[str, Any]:
        return (
            {game_key(game_type): view.to_wire() for game_type, view in self.games.items()}
            | {results_key(game_type): self.results.stored(game_type) for game_type in self.results.results}
            | (self._streams_state() if self.streams else {})
        )
