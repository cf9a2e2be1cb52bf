"""First contact with a BETCORE feed: try every connection mode, record what arrives, say what it means.

``Probe.run()`` authenticates, reads the REST endpoints, tries each way of reaching the
hub (negotiate or direct, token in the query or the header), then records the feed for
``seconds`` in the first mode that streamed. The window starts after the trials, so a
short probe still records a main phase a replay can serve. Everything that crosses the wire
is written as JSON lines, with credentials and tokens redacted; ``betcore.probe_report``
says what a recording means.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlsplit

import requests

from betcore.hub import HubSupervisor
from betcore.messages import parse_push
from betcore.rest import BetcoreError, BetcoreRest
from betcore.value_parsing import MessageError

FORMAT_VERSION = 1
REDACTED = "<redacted>"
SECRET_KEYS = {"token", "accesstoken", "access_token", "secret", "refreshtoken", "authorization", "password"}
JWT = re.compile(r"^eyJ[\w-]*\.[\w-]*\.[\w-]*$")
TRIALS = (("always", "query"), ("always", "header"), ("never", "query"), ("never", "header"))
FETCH_WAIT = 15.0  # seconds the main phase waits at its end for /games/info calls still running


def redact(value: Any, secrets: Iterable[str] = ()) -> Any:
    """``value`` with tokens, secrets and anything shaped like a JWT replaced by ``<redacted>``."""
    hidden = {s for s in secrets if s}

    def walk(item: Any, key: str = "") -> Any:
        if key.lower() in SECRET_KEYS and item not in (None, ""):
            return REDACTED
        if isinstance(item, dict):
            return {k: walk(v, str(k)) for k, v in item.items()}
        if isinstance(item, list):
            return [walk(v) for v in item]
        if isinstance(item, str):
            if JWT.match(item) or item in hidden:
                return REDACTED
            for secret in hidden:
                item = item.replace(secret, REDACTED)
        return item

    return walk(value)


@dataclass
class Recorder:
    """Appends timestamped JSON lines, thread-safe; keeps them in memory for the report too."""

    out: TextIO | None
    secrets: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    lines: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def write(self, kind: str, **data: Any) -> None:
        line = redact({"t": round(time.time() - self.started, 3), "kind": kind, **data}, self.secrets)
        with self._lock:
            self.lines.append(line)
            if self.out is not None:
                self.out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")

    def http(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """A ``requests`` response hook: every REST answer, with its path, query and status."""
        parts = urlsplit(response.request.url or "")
        try:
            body: Any = response.json()
        except ValueError:
            body = {"text": response.text[:2000]}
        self.write(
            "rest",
            method=response.request.method,
            path=parts.path,
            params=dict(parse_qsl(parts.query)),
            status=response.status_code,
            body=body,
        )


@dataclass
class Probe:
    api_url: str
    hub_url: str
    partner_id: int
    secret: str
    seconds: float = 60.0
    trial_seconds: float = 5.0
    out: TextIO | None = None
    game_types: list[int] | None = None
    log: Callable[[str], None] = print

    def run(self) -> list[dict[str, Any]]:
        recorder = Recorder(self.out, secrets=[self.secret])
        rest = BetcoreRest(self.api_url, self.partner_id, self.secret, retries=0)
        rest.session.hooks["response"].append(recorder.http)
        recorder.write("meta", version=FORMAT_VERSION, api=self.api_url, hub=self.hub_url, partner=self.partner_id)
        try:
            recorder.secrets.append(rest.token())
        except BetcoreError as error:
            recorder.write("error", step="token", error=str(error))
            return recorder.lines
        game_types = self.game_types or self._offered(rest, recorder)
        self._rest_once(rest, recorder)
        working = None
        for negotiate, token_in in TRIALS:
            self.log(f"trying the hub with negotiate={negotiate}, token in the {token_in} …")
            ok = self._record_hub(rest, recorder, game_types, negotiate, token_in, self.trial_seconds, "trial")
            working = working or (ok and (negotiate, token_in))
        if working:
            # The window is counted from here, whatever the trials took: a replay serves the main phase.
            self.log(f"recording {self.seconds:.0f} s with negotiate={working[0]}, token in the {working[1]} …")
            self._record_hub(rest, recorder, game_types, working[0], working[1], self.seconds, "main")
        return recorder.lines

    def _offered(self, rest: BetcoreRest, recorder: Recorder) -> list[int]:
        try:
            names = rest.translations("en")
        except BetcoreError as error:
            recorder.write("error", step="translations", error=str(error))
            return [3, 1]  # the game types BETCORE's docs use as examples
        return sorted(names) or [3, 1]

    def _rest_once(self, rest: BetcoreRest, recorder: Recorder) -> None:
        for call in (
            lambda: rest.translations("en"),
            lambda: rest.translations("ru"),
            rest.jackpots,
            lambda: rest.get("/games"),
        ):
            try:
                call()
            except BetcoreError as error:
                recorder.write("error", step="rest", error=str(error))

    def _record_hub(
        self,
        rest: BetcoreRest,
        recorder: Recorder,
        game_types: list[int],
        negotiate: str,
        token_in: str,
        seconds: float,
        phase: str,
    ) -> bool:
        """Run one hub connection for ``seconds``, recording every record; True if pushes arrived."""
        mode = f"{negotiate}/{token_in}"
        pushes = [0]
        fetched: set[int] = set()
        fetch_lock = threading.Lock()
        fetchers: list[threading.Thread] = []

        def on_record(text: str) -> None:
            try:
                record: Any = json.loads(text)
            except ValueError:
                record = {"unparsed": text[:2000]}
            recorder.write("hub", phase=phase, mode=mode, record=record)

        def deliver(session: int, arguments: Any, received_at: float) -> None:
            pushes[0] += 1
            if phase != "main":
                return
            try:
                info = parse_push(arguments)
            except MessageError:
                return
            rounds = {g.last_round_id for g in info.games if g.last_round_id} - fetched
            if rounds:
                fetched.update(rounds)
                fetcher = threading.Thread(target=fetch, args=(sorted(rounds),), daemon=True)
                fetchers.append(fetcher)
                fetcher.start()

        def fetch(round_ids: list[int]) -> None:
            with fetch_lock:
                for round_id in round_ids:
                    try:
                        rest.game_info(round_id)
                    except BetcoreError as error:
                        recorder.write("error", step="games/info", error=str(error))

        supervisor = HubSupervisor(
            self.hub_url,
            token=rest.token,
            invalidate_token=rest.invalidate_token,
            partner_id=self.partner_id,
            game_types=lambda: game_types,
            deliver=deliver,
            negotiate=negotiate,
            token_in=token_in,
            backoff_base=seconds * 2,  # one attempt per trial: no retry before it ends
            backoff_max=seconds * 2,
            on_record=on_record,
            clock=rest.clock,
        ).start()
        ends = time.monotonic() + seconds
        last_jackpots = time.monotonic()
        while time.monotonic() < ends:
            time.sleep(0.1)
            if phase == "main" and time.monotonic() - last_jackpots >= 5:
                last_jackpots = time.monotonic()
                try:
                    rest.jackpots()
                except BetcoreError as error:
                    recorder.write("error", step="jackpots", error=str(error))
        supervisor.stop()
        # A fetch still running would write after the caller has read (or closed) the recording.
        waited_until = time.monotonic() + FETCH_WAIT
        for fetcher in fetchers:
            fetcher.join(max(0.0, waited_until - time.monotonic()))
        stats = supervisor.stats
        recorder.write(
            "mode",
            phase=phase,
            negotiate=negotiate,
            token_in=token_in,
            ok=pushes[0] > 0,
            pushes=pushes[0],
            reason=stats.reason or ("" if pushes[0] else stats.last_error),
            push_targets=list(stats.push_targets),
        )
        return pushes[0] > 0
