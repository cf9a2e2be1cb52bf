"""A supervised ``signalrcore`` subscription to BETCORE's ``SubOnWholeGamesInfo`` hub.

signalrcore alone is not enough for a process that must stay subscribed for months
(``../shared/signalr.md`` §0, §2.5-2.8): its reconnect can stick forever, reuses the
old token, ignores ``allowReconnect``, never notices a silent server, and ``stop()``
can hang. So this module turns signalrcore's reconnect off and supervises each
connection itself: fresh token and fresh connection on every (re)connect, handshake
version 1, every subscription re-sent, pings sent by the supervisor, silence
detected, exponential backoff with jitter. Message handlers only hand raw payloads
on; they never raise into signalrcore's reader thread.
"""

from __future__ import annotations

import json
import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from signalrcore.hub_connection_builder import HubConnectionBuilder
from signalrcore.messages.ping_message import PingMessage
from signalrcore.protocol.json_hub_protocol import JsonHubProtocol
from signalrcore.transport.base_transport import TransportState
from signalrcore.transport.sockets.base_socket_client import BaseSocketClient

log = logging.getLogger("betcore.hub")

RS = "\x1e"
SUBSCRIPTION = "SubOnWholeGamesInfo"
MAX_RECORD_BYTES = 1024 * 1024  # a push is a few hundred bytes; anything near this is not a push


def _dispose_without_hanging(self: BaseSocketClient) -> None:
    """signalrcore's dispose joins a reader blocked in recv(); shutdown() wakes it first."""
    sock = getattr(self, "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
    reader = getattr(self, "recv_thread", None)
    if reader is not None and reader is not threading.current_thread():
        reader.join(timeout=2.0)
        self.recv_thread = None


BaseSocketClient.dispose = _dispose_without_hanging


class TolerantJsonHubProtocol(JsonHubProtocol):
    """JSON hub protocol (version 1) that never lets a bad record kill the reader thread.

    Invocations go straight to ``on_invocation`` (as plain dicts); Close messages to
    ``on_close_message``; records that cannot be parsed to ``on_bad_record`` with a
    reason. Only pings and completions reach signalrcore itself.
    """

    def __init__(
        self,
        on_invocation: Callable[[dict], None],
        on_close_message: Callable[[dict], None],
        on_bad_record: Callable[[str], None],
        on_traffic: Callable[[], None],
    ) -> None:
        super().__init__(version=1)
        self.on_invocation = on_invocation
        self.on_close_message = on_close_message
        self.on_bad_record = on_bad_record
        self.on_traffic = on_traffic

    def parse_messages(self, raw: Any) -> list:
        self.on_traffic()
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                self.on_bad_record("frame is not UTF-8 text")
                return []
        messages = []
        for text in raw.split(RS):
            if not text.strip():
                continue
            message = self._record(text)
            if message is not None:
                messages.append(message)
        return messages

    def _record(self, text: str) -> Any:
        if len(text) > MAX_RECORD_BYTES:
            self.on_bad_record(f"record of {len(text)} bytes is over the {MAX_RECORD_BYTES} byte limit")
            return None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            self.on_bad_record(f"record is not JSON ({error.msg})")
            return None
        if not isinstance(data, dict):
            self.on_bad_record("record is not a JSON object")
            return None
        kind = data.get("type")
        if kind == 1:
            self.on_invocation(data)
            return None
        if kind == 7:
            self.on_close_message(data)
            return None
        if kind in (3, 6):
            try:
                return self.get_message(data)
            except (TypeError, ValueError) as error:
                self.on_bad_record(f"type {kind} record is malformed ({error})")
                return None
        if kind not in (2, 4, 5, 8, 9) and data:  # {} is a late handshake echo; harmless
            self.on_bad_record(f"unknown message type {json.dumps(kind)[:20]}")
        return None


@dataclass
class HubStats:
    connected: bool = False
    reconnects: int = 0
    bad_records: int = 0
    unknown_targets: int = 0
    last_traffic: float = 0.0  # time.monotonic() of the last frame (data or ping)
    sessions: int = 0
    last_error: str = ""
    bad_reasons: set[str] = field(default_factory=set)


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
        push_target: str = SUBSCRIPTION,
        silence_seconds: float = 10.0,
        ping_seconds: float = 10.0,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        on_state: Callable[[bool], None] | None = None,
    ) -> None:
        self.hub_url = hub_url
        self.token, self.invalidate_token = token, invalidate_token
        self.partner_id = partner_id
        self.game_types = game_types
        self.deliver = deliver
        self.push_target = push_target.lower()
        self.silence_seconds = silence_seconds
        self.ping_seconds = ping_seconds
        self.backoff_base, self.backoff_max = backoff_base, backoff_max
        self.on_state = on_state or (lambda connected: None)
        self.stats = HubStats()
        self._stopping = threading.Event()
        self._lost = threading.Event()
        self._thread: threading.Thread | None = None
        self._hub: Any = None
        self._subscribed: list[int] = []
        self._had_data = False

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
            try:
                self._serve_one_connection()
            except Exception as error:  # any failure: rebuild, never die
                self.stats.last_error = f"{type(error).__name__}: {str(error)[:200]}"
                log.warning("hub connection failed: %s", self.stats.last_error)
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
            log.info("reconnecting to the hub in %.2f s (attempt %d)", delay, attempt)
            self._stopping.wait(delay)

    # -- one connection -----------------------------------------------------------------

    def _serve_one_connection(self) -> None:
        self._lost.clear()
        self._had_data = False
        opened = threading.Event()
        protocol = TolerantJsonHubProtocol(
            self._on_invocation, self._on_close_message, self._on_bad_record, self._on_traffic
        )
        token = self.token()
        hub = (
            HubConnectionBuilder()  # a fresh builder each time: builders share a mutable headers dict
            .with_url(self.hub_url, options={"access_token_factory": lambda: token})
            .with_hub_protocol(protocol)  # handshake version 1, not signalrcore's 0
            .build()
        )
        hub.on_open(opened.set)
        hub.on_close(self._lost.set)
        self._hub = hub
        try:
            hub.start()
        except Exception as error:
            if "401" in str(error) or "Unauthorized" in str(error):
                self.invalidate_token()  # rejected token: the next attempt authenticates anew
            raise
        if not opened.wait(10):
            raise ConnectionError("no handshake reply within 10 s")
        self.stats.sessions += 1
        self.stats.last_traffic = time.monotonic()
        self._subscribed = []
        self._subscribe_missing()
        self._set_connected(True)
        self._watch(hub)

    def _watch(self, hub: Any) -> None:
        last_ping = time.monotonic()
        while not self._stopping.is_set():
            if self._lost.wait(0.25):
                raise ConnectionError(self.stats.last_error or "connection closed")
            now = time.monotonic()
            if hub.transport is None or hub.transport.state == TransportState.disconnected:
                raise ConnectionError("transport disconnected")
            # With nothing subscribed only pings (every 15 s) arrive: allow for them.
            silence_limit = self.silence_seconds if self._subscribed else max(self.silence_seconds, 35.0)
            if now - self.stats.last_traffic > silence_limit:
                raise ConnectionError(f"no data or ping for {silence_limit:.1f} s")
            wanted = list(self.game_types())
            if any(t not in wanted for t in self._subscribed):
                raise ConnectionError("game types removed; resubscribing on a new connection")
            self._subscribe_missing(wanted)
            if now - last_ping >= self.ping_seconds:
                # Pings keep the server's 30 s client timeout from dropping us.
                hub.transport.send(PingMessage())
                last_ping = now

    def _subscribe_missing(self, wanted: list[int] | None = None) -> None:
        for game_type in wanted if wanted is not None else list(self.game_types()):
            if game_type in self._subscribed:
                continue
            filters = json.dumps({"GameType": game_type, "PartnerClientId": self.partner_id, "Count": 1})
            self._send_invocation("Subscribe", [SUBSCRIPTION, filters])
            self._subscribed.append(game_type)

    def _send_invocation(self, target: str, arguments: list) -> None:
        # Sent raw, without an invocationId (as BETCORE's docs show), and without
        # signalrcore's habit of copying the Authorization header into every message.
        record = json.dumps({"type": 1, "target": target, "arguments": arguments}) + RS
        self._hub.transport._client.send(record, opcode=0x1)

    def _dispose(self) -> None:
        hub, self._hub = self._hub, None
        if hub is not None and hub.transport is not None:
            try:
                hub.transport.stop()
            except Exception as error:
                log.debug("ignored error while closing the hub connection: %r", error)

    def _set_connected(self, connected: bool) -> None:
        if self.stats.connected != connected:
            self.stats.connected = connected
            self.on_state(connected)

    # -- callbacks from signalrcore's reader thread: record, hand on, never raise ----------

    def _on_traffic(self) -> None:
        self.stats.last_traffic = time.monotonic()

    def _on_invocation(self, data: dict) -> None:
        try:
            if str(data.get("target", "")).lower() != self.push_target:
                self.stats.unknown_targets += 1
                if self.stats.unknown_targets == 1:
                    log.warning("hub invoked unknown client method %r; ignored", str(data.get("target"))[:60])
                return
            self._had_data = True
            self.deliver(self.stats.sessions, data.get("arguments"), time.time())
        except Exception:
            log.exception("feed message handler failed")

    def _on_close_message(self, data: dict) -> None:
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
