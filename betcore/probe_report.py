"""What a probe recording says about a BETCORE feed: read it, analyse it, print one screen.

Works the same on a recording just made and on a file (``betcore_probe --report``).
The replay (``sandbox.replay``) reads recordings through ``read_recording``
and ``push_payloads`` too.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sized
from statistics import median
from typing import Any

from betcore.messages import GAME_FIELDS, parse_push
from betcore.rest_answers import parse_jackpots, parse_translations
from betcore.streams import find_streams
from betcore.value_parsing import MessageError

PAYLOAD_FIELDS = frozenset({"sId", "tst", "im", "bt", "wgi"})


def read_recording(lines: Iterable[str]) -> list[dict[str, Any]]:
    """JSON lines as dicts; ValueError names the first line that is not a recording line."""
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise ValueError(f"line {number} is not JSON") from None
        if not isinstance(record, dict) or "kind" not in record or "t" not in record:
            raise ValueError(f"line {number} is not a probe recording line")
        records.append(record)
    return records


Push = tuple[float, str, dict[str, Any], bool]  # (time, target, payload object, sent as a JSON string)


def push_payloads(records: list[dict[str, Any]], phase: str | None = None) -> list[Push]:
    """Every games-info push recorded, in order, with its payload parsed."""
    pushes = []
    for line in records:
        record = line.get("record")
        if line["kind"] != "hub" or not isinstance(record, dict) or record.get("type") != 1:
            continue
        if phase is not None and line.get("phase") != phase:
            continue
        arguments = record.get("arguments")
        payload = arguments[0] if isinstance(arguments, list) and arguments else None
        as_string = isinstance(payload, str)
        if isinstance(payload, str):
            try:
                payload = json.loads(payload)
            except ValueError:
                continue
        if isinstance(payload, dict) and isinstance(payload.get("wgi"), list):
            pushes.append((float(line["t"]), str(record.get("target")), payload, as_string))
    return pushes


def replayed_pushes(records: list[dict[str, Any]]) -> list[Push]:
    """The pushes a replay serves: the main phase (one steady connection), else the trials'."""
    return push_payloads(records, "main") or push_payloads(records)


def replay_problem(records: list[dict[str, Any]]) -> str:
    """Why a recording cannot be replayed by ``python -m sandbox --replay``, in plain words; "" when it can."""
    pushes = replayed_pushes(records)
    if not pushes:
        return "the recording holds no games-info push"
    if not any(isinstance(g, dict) and "t" in g for _, _, payload, _ in pushes for g in payload["wgi"]):
        return "no recorded push names a game type (wgi[].t), so no client could subscribe"
    return ""


def analyse(records: list[dict[str, Any]]) -> dict[str, Any]:
    """What a recording says about the feed, as plain data (``report()`` prints it)."""
    pushes = push_payloads(records)
    rest = [r for r in records if r["kind"] == "rest"]
    modes = [r for r in records if r["kind"] == "mode"]
    targets = Counter(
        str(r["record"].get("target"))
        for r in records
        if r["kind"] == "hub" and isinstance(r.get("record"), dict) and r["record"].get("type") == 1
    )
    payload_fields: set[str] = set()
    game_fields: set[str] = set()
    per_type: dict[int, list[tuple[float, dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    string_payloads = sum(1 for *_, as_string in pushes if as_string)
    for t, _target, payload, _as_string in pushes:
        payload_fields |= set(payload)
        for game in payload["wgi"]:
            if isinstance(game, dict):
                game_fields |= set(game)
                if isinstance(game.get("t"), int):
                    per_type[game["t"]].append((t, payload, game))
    return {
        "modes": [
            {k: m.get(k) for k in ("phase", "negotiate", "token_in", "ok", "pushes", "reason", "push_targets")}
            for m in modes
        ],
        "push_targets": dict(targets),
        "pushes": len(pushes),
        "payload_as_string": string_payloads,
        "payload_fields": sorted(payload_fields),
        "payload_fields_unknown": sorted(payload_fields - PAYLOAD_FIELDS),
        "game_fields": sorted(game_fields),
        "game_fields_unknown": sorted(game_fields - GAME_FIELDS),
        "game_types": {str(t): _type_report(rows) for t, rows in sorted(per_type.items())},
        "sid_shared": _sid_shared(pushes),
        "parse_errors": _parse_errors(pushes),
        "rest": _rest_report(rest),
        "streams": _streams(pushes, rest),
        "errors": [r.get("error") for r in records if r["kind"] == "error"][:20],
    }


def _type_report(rows: list[tuple[float, dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    times = [t for t, _, _ in rows]
    sids: list[int] = [p["sId"] for _, p, _ in rows if isinstance(p.get("sId"), int)]
    steps = Counter(b - a for a, b in itertools.pairwise(sids))
    ids: list[int] = []
    for _, _, game in rows:
        if isinstance(game.get("i"), int) and (not ids or ids[-1] != game["i"]):
            ids.append(game["i"])
    follows: set[tuple[int, int]] = {
        (g["lrId"], g["i"])
        for _, _, g in rows
        if isinstance(g.get("lrId"), int) and isinstance(g.get("i"), int) and g["i"] > g["lrId"]
    }
    return {
        "pushes": len(rows),
        "cadence_ms": round(median(b - a for a, b in itertools.pairwise(times)) * 1000) if len(times) > 2 else None,
        "sid_steps": {str(k): v for k, v in sorted(steps.items())},
        "round_ids": ids[:20],
        "round_id_steps": sorted({b - a for a, b in itertools.pairwise(ids)}),
        "next_round_follows_last": sorted({b - a for a, b in follows}),
        "states": sorted({g.get("s") for _, _, g in rows if isinstance(g.get("s"), int)}),
    }


def _sid_shared(pushes: list[Push]) -> bool | None:
    """True when sIds of different subscriptions form one sequence (one counter per partner/connection)."""
    sids = [p.get("sId") for _, _, p, _ in pushes if isinstance(p.get("sId"), int)]
    types = {g.get("t") for _, _, p, _ in pushes for g in p["wgi"] if isinstance(g, dict)}
    if len(types) < 2 or len(sids) < 4:
        return None
    return len(set(sids)) == len(sids)


def _parse_errors(pushes: list[Push]) -> dict[str, int]:
    errors: Counter[str] = Counter()
    for _, _, payload, _ in pushes:
        try:
            parse_push([payload])
        except MessageError as error:
            errors[str(error)] += 1
    return dict(errors)


def _streams(pushes: list[Push], rest: list[dict[str, Any]]) -> dict[str, str]:
    """Game type → stream address, wherever a push or a REST answer carried one."""
    found: dict[int, str] = {}
    for body in [payload for _, _, payload, _ in pushes] + [line.get("body") for line in rest]:
        found = find_streams(body) | found  # the first address seen for a game type stays
    return {str(t): address for t, address in sorted(found.items())}


def _rest_report(rest: list[dict[str, Any]]) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for line in rest:
        path, body, status = line.get("path", ""), line.get("body"), line.get("status")
        key = next((k for k in ("auth/token", "games/info", "translations", "jackpots", "/games") if k in path), path)
        entry = report.setdefault(key, {"calls": 0, "statuses": Counter(), "shape": None, "fields": set()})
        entry["calls"] += 1
        entry["statuses"][str(status)] += 1
        if status == 200:
            entry["shape"] = _shape(body)
            entry["fields"] |= _fields(body)
            if key == "jackpots":
                entry["parsed"] = _try(parse_jackpots, body)
            if key == "translations":
                entry["parsed"] = _try(parse_translations, body)
            if key == "games/info":
                result = body.get("result") if isinstance(body, dict) else None
                entry.setdefault("result_fields", set()).update(_fields(result))
    for entry in report.values():
        entry["statuses"] = dict(entry["statuses"])
        entry["fields"] = sorted(entry["fields"])
        if "result_fields" in entry:
            entry["result_fields"] = sorted(entry["result_fields"])
    return report


def _shape(body: Any) -> str:
    if isinstance(body, list):
        return f"list of {_shape(body[0]) if body else 'nothing'}"
    if isinstance(body, dict):
        return "object"
    return type(body).__name__


def _fields(body: Any) -> set[str]:
    if isinstance(body, list):
        return set().union(*(_fields(item) for item in body[:50])) if body else set()
    return {str(k) for k in body} if isinstance(body, dict) else set()


def _try(parse: Callable[[Any], Sized], body: Any) -> int | str:
    """How many items the parser made of ``body``, or why it could not."""
    try:
        return len(parse(body))
    except MessageError as error:
        return f"not understood: {error}"


def report(analysis: dict[str, Any]) -> str:
    """One screen of plain text from ``analyse()``."""
    lines = ["BETCORE first-contact probe", ""]
    lines.append("Connection modes (negotiate / token placement):")
    for mode in analysis["modes"]:
        verdict = f"streamed ({mode['pushes']} pushes)" if mode["ok"] else f"failed: {mode['reason'] or 'no pushes'}"
        lines.append(f"  {mode['phase']:<5} {mode['negotiate']:<6} {mode['token_in']:<6} {verdict}")
    lines.append("")
    lines.append(f"Push method names: {analysis['push_targets'] or 'none seen'}")
    lines.append(
        f"Pushes recorded: {analysis['pushes']} ({analysis['payload_as_string']} with the payload as a string)"
    )
    lines.append(f"Payload fields: {', '.join(analysis['payload_fields']) or '-'}")
    lines.append(f"  not known to the parser: {', '.join(analysis['payload_fields_unknown']) or 'none'}")
    lines.append(f"Game (wgi) fields: {', '.join(analysis['game_fields']) or '-'}")
    lines.append(f"  not known to the parser (kept as extras): {', '.join(analysis['game_fields_unknown']) or 'none'}")
    if analysis["parse_errors"]:
        lines.append(f"Pushes the parser rejects: {analysis['parse_errors']}")
    shared = analysis["sid_shared"]
    lines.append(
        "sId: "
        + {True: "one counter across subscriptions", False: "counted per subscription", None: "not enough data"}[shared]
    )
    lines.append("Per game type: pushes, cadence, sId steps, round id steps, i - lrId:")
    for game_type, row in analysis["game_types"].items():
        lines.append(
            f"  {game_type:>4}: {row['pushes']} pushes, every {row['cadence_ms']} ms, sId steps {row['sid_steps']}, "
            f"round ids {row['round_id_steps'] or '-'}, i-lrId {row['next_round_follows_last'] or '-'}"
        )
    lines.append("REST:")
    for path, entry in analysis["rest"].items():
        parsed = f", parsed {entry['parsed']}" if "parsed" in entry else ""
        result = f", result fields {entry['result_fields']}" if entry.get("result_fields") else ""
        lines.append(f"  {path}: {entry['calls']} calls {entry['statuses']}, {entry['shape']}{parsed}{result}")
    lines.append("Stream addresses (game type: address):")
    streams = analysis.get("streams") or {}
    lines.extend(f"  {t:>4}: {address}" for t, address in streams.items())
    if not streams:
        lines.append("  none seen (no field that looks like m3u8, mpd, video, stream, webrtc…)")
    if analysis["errors"]:
        lines.append("Errors:")
        lines.extend(f"  {error}" for error in analysis["errors"])
    return "\n".join(lines)
