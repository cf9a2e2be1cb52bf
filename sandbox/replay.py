"""Serve a recording made by ``manage.py betcore_probe``, so real traffic becomes a regression test.

The recorded pushes are sent at their recorded cadence, looping; on every loop round ids
and ``sId`` move on by the span the recording covers and timestamps (``tst``, ``sdt``,
``bt``) move to the present, so the stream looks live to a client. REST answers are
the recorded ones: translations per language, jackpots in turn, ``/games/info`` by id
(shifted the same way). Tokens are the sandbox's own, so any client can log in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from betcore.probe_report import read_recording, replay_problem, replayed_pushes
from betcore.value_parsing import MessageError, parse_timestamp
from sandbox.rounds import dotnet_timestamp

ID_FIELDS = ("i", "lrId", "id", "gameId")


@dataclass
class Recording:
    pushes: list[tuple[float, str, dict[str, Any], bool]]  # (offset s, target, payload, sent as a string)
    duration: float  # one loop, seconds
    first_sent: float  # Unix time of the first push's tst (what timestamps are shifted from)
    id_span: int  # round ids move on by this much per loop
    sid_span: int
    translations: dict[str, Any] = field(default_factory=dict)  # language -> body
    jackpots: list[Any] = field(default_factory=list)
    games: Any = None
    rounds: dict[int, Any] = field(default_factory=dict)  # round id -> /games/info body

    @property
    def game_types(self) -> set[int]:
        return {g["t"] for _, _, p, _ in self.pushes for g in p["wgi"] if isinstance(g, dict) and "t" in g}


def load_recording(path: str | Path) -> Recording:
    """A probe recording, ready to serve; ValueError says why it cannot be."""
    lines = read_recording(Path(path).read_text(encoding="utf-8").splitlines())
    return recording_from(lines)


def recording_from(lines: list[dict[str, Any]]) -> Recording:
    problem = replay_problem(lines)
    if problem:
        raise ValueError(problem)
    found = replayed_pushes(lines)
    start = found[0][0]
    pushes = [(t - start, target, payload, as_string) for t, target, payload, as_string in found]
    cadence = (pushes[-1][0] / max(1, len(pushes) - 1)) if len(pushes) > 1 else 0.5
    ids = [v for _, _, p, _ in pushes for g in p["wgi"] if isinstance(g, dict) for v in _ids(g)]
    sids = [p["sId"] for _, _, p, _ in pushes if isinstance(p.get("sId"), int)]
    recording = Recording(
        pushes=pushes,
        duration=pushes[-1][0] + max(cadence, 0.1),
        first_sent=_time(pushes[0][2].get("tst")) or 0.0,
        id_span=(max(ids) - min(ids) + 1) if ids else 0,
        sid_span=(max(sids) - min(sids) + 1) if sids else 0,
    )
    for line in lines:
        if line["kind"] == "rest" and line.get("status") == 200:
            _keep_rest(recording, line)
    return recording


def _keep_rest(recording: Recording, line: dict[str, Any]) -> None:
    path, body, params = line.get("path", ""), line.get("body"), line.get("params") or {}
    if path.endswith("/games/types/translations"):
        recording.translations[str(params.get("languageCode", "en")).lower()] = body
    elif path.endswith("/jackpots/accumulated"):
        recording.jackpots.append(body)
    elif path.endswith("/games/info"):
        try:
            recording.rounds[int(params.get("gameId", ""))] = body
        except ValueError:
            pass
    elif path.endswith("/games"):
        recording.games = body


def _ids(game: dict[str, Any]) -> Iterable[int]:
    return (game[k] for k in ("i", "lrId") if isinstance(game.get(k), int) and game[k] > 0)


def _time(value: Any) -> float | None:
    try:
        return parse_timestamp(value).timestamp()
    except MessageError:
        return None


@dataclass
class ReplayFeed:
    """Plays a ``Recording`` from ``started`` (Unix time), looping."""

    recording: Recording
    started: float
    _next: int = 0  # index of the next push, counted over every loop

    def due(self, now: float) -> list[tuple[str, Any, set[int]]]:
        """(target, argument, game types) of every push due by ``now``, shifted for its loop."""
        recording = self.recording
        out: list[tuple[str, Any, set[int]]] = []
        count = len(recording.pushes)
        while True:
            loop, index = divmod(self._next, count)
            offset, target, payload, as_string = recording.pushes[index]
            at = self.started + loop * recording.duration + offset
            if at > now:
                return out
            shifted = self._shift_push(payload, loop, at - (recording.first_sent + offset))
            types = {g["t"] for g in shifted["wgi"] if isinstance(g, dict) and isinstance(g.get("t"), int)}
            argument = json.dumps(shifted, separators=(",", ":")) if as_string else shifted
            out.append((target, argument, types))
            self._next += 1

    def loop_at(self, now: float) -> int:
        return max(0, int((now - self.started) // self.recording.duration))

    def _shift_push(self, payload: dict[str, Any], loop: int, delta: float) -> dict[str, Any]:
        """``payload`` as sent in loop ``loop``, its timestamps ``delta`` seconds later."""
        recording = self.recording
        shifted = dict(payload)
        if isinstance(payload.get("sId"), int):
            shifted["sId"] = payload["sId"] + loop * recording.sid_span
        if "tst" in payload:
            shifted["tst"] = _shift_time(payload["tst"], delta)
        bt = payload.get("bt")
        if isinstance(bt, (int, float)) and not isinstance(bt, bool) and bt > 1e8:
            shifted["bt"] = round(bt + delta * (1000 if bt > 1e11 else 1))
        shifted["wgi"] = [self._shift_game(g, loop, delta) for g in payload["wgi"]]
        return shifted

    def _shift_game(self, game: Any, loop: int, delta: float) -> Any:
        if not isinstance(game, dict):
            return game
        shifted = dict(game)
        for key in ("i", "lrId"):
            if isinstance(game.get(key), int) and game[key] > 0:
                shifted[key] = game[key] + loop * self.recording.id_span
        if "sdt" in game:
            shifted["sdt"] = _shift_time(game["sdt"], delta)
        return shifted

    def round_info(self, round_id: int, now: float) -> Any:
        """The recorded ``/games/info`` answer for a (shifted) id, or None."""
        span = self.recording.id_span
        for loop in range(self.loop_at(now), -1, -1):
            original = round_id - loop * span
            if original in self.recording.rounds:
                return _shift_ids(self.recording.rounds[original], loop * span)
            if not span:
                break
        return None

    def jackpots(self, now: float) -> Any:
        bodies = self.recording.jackpots
        return bodies[int(now - self.started) // 5 % len(bodies)] if bodies else []

    def translations(self, language: str) -> Any:
        found = self.recording.translations
        return found.get(language) or found.get("en") or next(iter(found.values()), [])


def _shift_time(value: Any, delta: float) -> Any:
    moment = _time(value)
    return value if moment is None else dotnet_timestamp(moment + delta)


def _shift_ids(body: Any, by: int) -> Any:
    if not by:
        return body
    if isinstance(body, dict):
        return {
            k: (v + by if k in ID_FIELDS and isinstance(v, int) and v > 0 else _shift_ids(v, by))
            for k, v in body.items()
        }
    return body
