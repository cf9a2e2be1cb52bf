"""A supervised ``signalrcore`` subscription to BETCORE's ``SubOnWholeGamesInfo`` hub.

signalrcore alone is not enough for a process that must stay subscribed for months:
its reconnect can stick forever, reuses the old token, ignores ``allowReconnect``,
never notices a silent server, and ``stop()`` can hang. So this module turns
signalrcore's reconnect off and supervises each connection itself: fresh token and
fresh connection on every (re)connect, handshake version 1, every subscription
re-sent, pings sent by the supervisor, silence detected, exponential backoff with
jitter. Message handlers only hand raw payloads on; they never raise into
signalrcore's reader thread.

BETCORE's docs show only a direct ``wss://…/hubs`` connection with the token in the
``access_token`` query parameter, and do not name the client method pushes arrive
under. So by default the supervisor negotiates first and falls back to the direct
WebSocket when negotiate answers 404/405 (``negotiate="auto"``), sends the token in
the query and the ``Authorization`` header (``token_in="both"``), and adopts the
method name of games-info pushes that arrive under another name (``push_target="auto"``).
Why it is not streaming, when it is not, is kept in ``stats.reason`` in plain words.
The URL and token placement are in ``betcore.hub_addressing``, the push-target
adoption in ``betcore.hub_push_targets``.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from betcore.hub_addressing import (
    NEGOTIATE_MODES,
    TOKEN_PLACEMENTS,
    is_direct_url,
    token_in_header,
    token_in_query,
    url_with_token,
)
from betcore.hub_push_targets import SUBSCRIPTION, adopt_push_target
from betcore.hub_reasons import ConnectionLost, describe_failure
from betcore.hub_stats import HubStats
from betcore.signalr_client import FeedHubConnection
from betcore.signalr_errors import failed_in_negotiate, http_status
from betcore.signalr_protocol import RS, TolerantJsonHubProtocol

log = logging.getLogger("betcore.hub")
# signalrcore logs URLs and headers (with the token) at debug level: keep it above that.
logging.getLogger("SignalRCoreClient").setLevel(logging.WARNING)

# A wait for a wall-clock moment (the REST client's credentials backoff) looks at the clock again
# this often: that clock can jump (NTP, a resumed VM, a test moving its clock forward).
RECHECK_SECONDS = 1.0


class HubSupervisor:
    """Keeps one subscription alive from a daemon thread until ``stop()``."""

    def __init__(
        self,
        hub_url: str,
        *,
        token: Callable[[], str],
        invalidate_token: Callable[[], None],
        partner_id: int,
        game_types: Callable[[], Iterable[int]],
        deliver: Callable[[int, Any, float], None],
        push_target: str = "auto",
        negotiate: str = "auto",
        token_in: str = "both",
        silence_seconds: float = 10.0,
        ping_seconds: float = 10.0,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        on_state: Callable[[bool], None] | None = None,
        on_record: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if negotiate not in NEGOTIATE_MODES:
            raise ValueError(f"negotiate must be one of {', '.join(NEGOTIATE_MODES)}")
        if token_in not in TOKEN_PLACEMENTS:
            raise ValueError(f"token_in must be one of {', '.join(TOKEN_PLACEMENTS)}")
        self.hub_url = hub_url
        self.token, self.invalidate_token = token, invalidate_token
        self.partner_id = partner_id
        self.game_types = game_types
        self.deliver = deliver
        self.auto_target = push_target.lower() == "auto"
        self.stats = HubStats()
        self.stats.push_targets = (SUBSCRIPTION if self.auto_target else push_target,)
        self._accepted = {name.lower() for name in self.stats.push_targets}
        self.negotiate = negotiate
        self._direct = negotiate == "never" or (negotiate == "auto" and is_direct_url(hub_url))
        self.token_in = token_in
        self.on_record = on_record
        self.silence_seconds = silence_seconds
        self.ping_seconds = ping_seconds
        self.backoff_base, self.backoff_max = backoff_base, backoff_max
        self.on_state = on_state or (lambda connected: None)
        self.clock = clock  # the clock of ``retry_at``: the REST client's
        self._stopping = threading.Event()
        self._lost = threading.Event()
        self._thread: threading.Thread | None = None
        self._hub: Any = None
        self._subscribed: list[int] = []
        self._had_data = False
        self._pushes_delivered = 0

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> HubSupervisor:
        self._thread = threading.Thread(target=self.run, name="betcore-hub-supervisor", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._lost.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def run(self) -> None:
        attempt = 0
        while not self._stopping.is_set():
            not_before = 0.0
            try:
                if self._serve_one_connection():
                    continue  # switched to the direct WebSocket: try that at once
            except Exception as error:  # any failure: rebuild, never die
                self.stats.last_error = f"{type(error).__name__}: {str(error)[:200]}"
                if not self._stopping.is_set():
                    self._note_failure(error)
                not_before = float(getattr(error, "retry_at", 0.0) or 0.0)
            finally:
                self._set_connected(False)
                self._dispose()
            if self._stopping.is_set():
                break
            # A connection that got as far as a session resets the backoff.
            attempt = 0 if self._had_data else attempt + 1
            delay = min(self.backoff_max, self.backoff_base * 2 ** max(0, attempt - 1))
            delay *= random.uniform(0.5, 1.0)  # jitter: many workers never retry in step
            self.stats.reconnects += 1
            log.info("reconnecting to the hub in %.2f s (attempt %d)", max(delay, not_before - self.clock()), attempt)
            self._stopping.wait(delay)
            # Refused credentials: also wait for the REST client's shared backoff, not only our own.
            while not self._stopping.is_set() and (left := not_before - self.clock()) > 0:
                self._stopping.wait(min(left, RECHECK_SECONDS))

    def _note_failure(self, error: BaseException) -> None:
        reason = describe_failure(error, negotiating=failed_in_negotiate(error))
        if reason != self.stats.reason:
            log.warning("hub: %s", reason)
        else:
            log.info("hub: %s (again)", reason)
        self.stats.reason = reason

    # -- one connection -----------------------------------------------------------------

    def _serve_one_connection(self) -> bool:
        """One connection, served until it ends (raises). True: retry at once in the direct mode."""
        self._lost.clear()
        self._had_data = False
        opened = threading.Event()
        protocol = TolerantJsonHubProtocol(
            self._on_invocation, self._on_close_message, self._on_bad_record, self._on_traffic, self.on_record
        )
        token = self.token()
        url = url_with_token(self.hub_url, token) if token_in_query(self.token_in) else self.hub_url
        hub = FeedHubConnection(
            url,
            protocol=protocol,  # handshake version 1, not signalrcore's 0
            bearer_token=token if token_in_header(self.token_in) else None,
            skip_negotiation=self._direct,
        )
        hub.on_open(opened.set)
        hub.on_close(self._lost.set)
        self._hub = hub
        try:
            hub.start()
        except Exception as error:
            status = http_status(error)
            if failed_in_negotiate(error) and status in (404, 405) and self.negotiate == "auto" and not self._direct:
                self._direct = True
                log.warning(
                    "hub has no negotiate endpoint (HTTP %d); connecting directly over WebSocket from now on", status
                )
                return True
            if status in (401, 403):
                self.invalidate_token()  # rejected token: the next attempt authenticates anew
            raise
        if not opened.wait(10):
            raise ConnectionError("no handshake reply within 10 s")
        self.stats.connection_mode = "direct" if self._direct else "negotiate"
        self.stats.sessions += 1
        self.stats.last_traffic = time.monotonic()
        self._subscribed = []
        self._subscribe_missing()
        self._set_connected(True)
        self._watch(hub)
        return False

    def _watch(self, hub: Any) -> None:
        last_ping = time.monotonic()
        while not self._stopping.is_set():
            if self._lost.wait(0.25):
                raise ConnectionLost(self.stats.last_error or "connection closed")
            now = time.monotonic()
            if hub.is_disconnected():
                raise ConnectionLost("transport disconnected")
            # With nothing subscribed only pings (every 15 s) arrive: allow for them.
            silence_limit = self.silence_seconds if self._subscribed else max(self.silence_seconds, 35.0)
            if now - self.stats.last_traffic > silence_limit:
                raise ConnectionLost(f"no data or ping for {silence_limit:.1f} s")
            wanted = list(self.game_types())
            if any(t not in wanted for t in self._subscribed):
                raise ConnectionLost("game types removed; resubscribing on a new connection")
            self._subscribe_missing(wanted)
            if now - last_ping >= self.ping_seconds:
                # Pings keep the server's 30 s client timeout from dropping us.
                hub.send_ping()
                last_ping = now

    def _subscribe_missing(self, wanted: list[int] | None = None) -> None:
        for game_type in wanted if wanted is not None else list(self.game_types()):
            if game_type in self._subscribed:
                continue
            filters = json.dumps({"GameType": game_type, "PartnerClientId": self.partner_id, "Count": 1})
            self._send_invocation("Subscribe", [SUBSCRIPTION, filters])
            self._subscribed.append(game_type)

    def _send_invocation(self, target: str, arguments: list[Any]) -> None:
        # Sent raw, without an invocationId (as BETCORE's docs show), and without
        # signalrcore's habit of copying the Authorization header into every message.
        record = json.dumps({"type": 1, "target": target, "arguments": arguments}) + RS
        self._hub.send_raw(record)

    def _dispose(self) -> None:
        hub, self._hub = self._hub, None
        if hub is not None:
            try:
                hub.stop()
            except Exception as error:
                log.debug("ignored error while closing the hub connection: %r", error)

    def _set_connected(self, connected: bool) -> None:
        if self.stats.connected != connected:
            self.stats.connected = connected
            self.on_state(connected)

    # -- callbacks from signalrcore's reader thread: record, hand on, never raise ----------

    def _on_traffic(self) -> None:
        self.stats.last_traffic = time.monotonic()

    def _on_invocation(self, data: dict[str, Any]) -> None:
        try:
            target = str(data.get("target", ""))[:60]
            if target.lower() not in self._accepted and not self._adopt(target, data.get("arguments")):
                return
            self._had_data = True
            self._pushes_delivered += 1
            self.stats.reason = ""
            self.deliver(self.stats.sessions, data.get("arguments"), time.time())
        except Exception:
            log.exception("feed message handler failed")

    def _adopt(self, target: str, arguments: Any) -> bool:
        """An invocation under an unexpected name: count it; in auto mode, take it if it carries games info."""
        may_adopt = self.auto_target and self._pushes_delivered == 0
        return adopt_push_target(self.stats, self._accepted, target, arguments, may_adopt=may_adopt)

    def _on_close_message(self, data: dict[str, Any]) -> None:
        error = str(data.get("error") or "closed by server")[:200]
        self.stats.last_error = f"server Close: {error} (allowReconnect={data.get('allowReconnect')})"
        log.info("hub sent Close: %s", error)
        if "expired" in error.lower() or "token" in error.lower():
            self.invalidate_token()
        self._lost.set()

    def _on_bad_record(self, reason: str) -> None:
        self.stats.bad_records += 1
        if reason not in self.stats.bad_reasons and len(self.stats.bad_reasons) < 100:
            self.stats.bad_reasons.add(reason)
            log.warning("skipped a malformed hub record: %s", reason)
