"""The first-contact probe against the sandbox in each mode, and the worker against a replayed recording."""

import io
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.core.management import call_command
from django.test import override_settings

from betcore.probe import Probe
from betcore.probe_report import analyse, push_payloads, read_recording, replay_problem, report
from sandbox import DEFAULT_PARTNER_ID, DEFAULT_SECRET, Sandbox
from sandbox.replay import load_recording, recording_from
from sandbox.variants import Variants
from tests.running_worker import RunningWorker

FIXTURE = Path(__file__).parent / "fixtures" / "probe-sandbox.jsonl"


def probe(sandbox, seconds=2.0, secret=DEFAULT_SECRET):
    out = io.StringIO()
    records = Probe(
        sandbox.api_url,
        sandbox.hub_url,
        DEFAULT_PARTNER_ID,
        secret,
        seconds=seconds,
        trial_seconds=1.5,  # a connection, its handshake and a push (every 500 ms), on a busy machine too
        out=out,
        game_types=[1, 3],
        log=lambda text: None,
    ).run()
    return records, out.getvalue()


# Each mode: the sandbox's variants, its other options, and what the report must say.
MODES = {
    "default": ({}, {}, {"modes": [True, True, True, True, True], "sid_shared": True, "target": "SubOnWholeGamesInfo"}),
    "no-negotiate": ({"negotiate": False}, {}, {"modes": [False, False, True, True, True]}),
    "query-only": ({"token_in": "query"}, {}, {"modes": [True, False, True, False, True]}),
    "header-only": ({"token_in": "header"}, {}, {"modes": [False, True, False, True, True]}),
    "sid-per-sub": ({"sid_scope": "subscription"}, {}, {"sid_shared": False}),
    "shared-ids": ({"shared_round_ids": True}, {}, {"follows_not_one": True}),
    "strings": ({"results_in_push": True, "result_shape": "unknown"}, {"payload_as_string": True}, {"strings": True}),
    "target": ({}, {"push_target": "WholeGamesInfo"}, {"target": "WholeGamesInfo"}),
    "one-jackpot": ({"jackpots_shape": "amount"}, {}, {"jackpots": "float"}),
}
# A probe mostly waits (its trials and main phase): three at a time, each against its own sandbox.
CONCURRENT_PROBES = 3


@pytest.fixture(scope="module")
def probed() -> Iterator[dict[str, Future]]:
    """Every mode's probe, started together at the first test that needs one: mode -> (records, written)."""

    def run(variants: dict, options: dict) -> tuple[list, str]:
        with Sandbox(seed=5, speed=4.0, ping_interval=1.0, variants=Variants(**variants), **options) as sandbox:
            return probe(sandbox)

    with ThreadPoolExecutor(CONCURRENT_PROBES) as pool:
        yield {mode: pool.submit(run, variants, options) for mode, (variants, options, _) in MODES.items()}


@pytest.mark.parametrize("mode", MODES)
def test_probe_report_in_each_mode(probed: dict[str, Future], mode: str) -> None:
    expect = MODES[mode][2]
    records, written = probed[mode].result()
    lines = read_recording(written.splitlines())
    assert lines == records
    assert "sandbox-secret" not in written and "eyJ" not in written, "credentials and tokens are redacted"
    analysis = analyse(records)
    text = report(analysis)
    assert analysis["pushes"] > 0 and "BETCORE first-contact probe" in text
    if "modes" in expect:
        assert [m["ok"] for m in analysis["modes"]] == expect["modes"]
        for mode in analysis["modes"]:
            if not mode["ok"]:
                assert mode["reason"], "a failed mode says why"
    if "sid_shared" in expect:
        assert analysis["sid_shared"] is expect["sid_shared"]
    if "target" in expect:
        assert set(analysis["push_targets"]) == {expect["target"]}
        assert expect["target"] in text
    if expect.get("follows_not_one"):
        assert any(row["next_round_follows_last"] != [1] for row in analysis["game_types"].values())
    if expect.get("strings"):
        assert analysis["payload_as_string"] == analysis["pushes"]
    if "jackpots" in expect:
        assert analysis["rest"]["jackpots"]["shape"] == expect["jackpots"]
        assert analysis["rest"]["jackpots"]["parsed"] == 1
    assert analysis["parse_errors"] == {}


def test_probe_with_wrong_credentials_records_the_refusal_and_fails(tmp_path):
    with Sandbox(seed=5) as sandbox:
        records, _ = probe(sandbox, secret="wrong")
    analysis = analyse(records)
    assert analysis["pushes"] == 0
    assert analysis["errors"] == ["credentials rejected by BETCORE (103752): Wrong credentials"]


def upstream(sandbox):
    """Settings that point the probe command at ``sandbox`` as if it were BETCORE."""
    return override_settings(
        BETCORE_USE_SANDBOX=False,
        BETCORE_API_URL=sandbox.api_url,
        BETCORE_HUB_URL=sandbox.hub_url,
        BETCORE_PARTNER_CLIENT_ID=1,
        BETCORE_SECRET=DEFAULT_SECRET,
    )


@pytest.mark.django_db
def test_probe_command_reports_a_recording_and_exits_non_zero_without_a_feed(tmp_path, capsys):
    call_command("betcore_probe", "--report", str(FIXTURE))
    assert "Push method names: {'SubOnWholeGamesInfo'" in capsys.readouterr().out
    with Sandbox(seed=5, variants=Variants(token_in="query", negotiate=False)) as sandbox:
        sandbox.set_push_target("Nothing")
        sandbox.pause_pushes()
        out = tmp_path / "probe.jsonl"
        with upstream(sandbox), pytest.raises(SystemExit) as exited:
            call_command("betcore_probe", "--seconds", "3", "--trial-seconds", "0.5", "--out", str(out))
    assert exited.value.code == 1
    assert "the recording cannot be replayed: the recording holds no games-info push" in capsys.readouterr().err
    assert read_recording(out.read_text().splitlines())[0]["kind"] == "meta"


def replay_server(recording: Path) -> tuple[subprocess.Popen, str]:
    """``python -m sandbox --replay`` on a free port, and its base URL once it serves."""
    server = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--replay", str(recording), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in server.stdout:  # it prints its addresses once bound, and exits at once on a bad file
        if line.strip().startswith("controls:"):
            return server, line.split()[-1].removesuffix("/_sandbox/control")
    server.wait(10)
    pytest.fail(f"the replay refused {recording.name}: {server.stderr.read().strip()}")


@pytest.mark.django_db
def test_a_twenty_second_probe_records_a_main_phase_that_the_replay_serves(tmp_path, capsys):
    out = tmp_path / "probe.jsonl"
    with Sandbox(seed=5, speed=4.0, ping_interval=1.0) as sandbox, upstream(sandbox):
        started = time.monotonic()
        call_command("betcore_probe", "--seconds", "20", "--out", str(out))  # trials of 5 s each, the default
        took = time.monotonic() - started
    printed = capsys.readouterr()
    assert "cannot be replayed" not in printed.err
    records = read_recording(out.read_text().splitlines())
    main = [r for r in records if r["kind"] == "mode" and r["phase"] == "main"]
    assert len(main) == 1 and main[0]["ok"], "the trials leave the main phase its window"
    assert main[0]["pushes"] >= 20 * 2 * 5 * 0.8, "about 20 s of every offered game type's pushes"
    assert replay_problem(records) == ""
    assert "main  always query  streamed" in printed.out

    server, base = replay_server(out)
    try:
        status = requests.get(base + "/_sandbox/status", timeout=5).json()
    finally:
        server.terminate()
        server.wait(10)
    assert status["replaying"] is True
    print(f"\nprobe --seconds 20 took {took:.0f} s; main phase: {main[0]['pushes']} pushes")


def test_a_recording_whose_main_phase_failed_replays_the_trials_pushes():
    lines = read_recording(FIXTURE.read_text().splitlines())
    without_main = [line for line in lines if not (line["kind"] == "hub" and line.get("phase") == "main")]
    recording = recording_from(without_main)
    assert recording.game_types == {1, 3}
    assert len(recording.pushes) == len(push_payloads(lines, "trial"))


def test_a_recording_that_cannot_be_replayed_says_why():
    lines = read_recording(FIXTURE.read_text().splitlines())
    assert replay_problem([line for line in lines if line["kind"] != "hub"]) == (
        "the recording holds no games-info push"
    )
    nameless = [
        {**line, "record": {**line["record"], "arguments": [json.dumps({"sId": 1, "wgi": [{"i": 5}]})]}}
        if line["kind"] == "hub" and line["record"].get("type") == 1
        else line
        for line in lines
    ]
    assert "no recorded push names a game type" in replay_problem(nameless)


def test_fixture_recording_has_what_the_replay_needs():
    recording = load_recording(FIXTURE)
    assert recording.game_types == {1, 3}
    assert recording.rounds, "finished rounds' /games/info answers are in the recording"
    assert recording.id_span > 0 and recording.duration > 10


async def test_worker_streams_from_a_replayed_recording_across_loops():
    recording = load_recording(FIXTURE)
    recorded_ids = {g["i"] for _, _, p, _ in recording.pushes for g in p["wgi"]}
    with Sandbox(ping_interval=1.0, replay=recording) as sandbox:
        async with RunningWorker(sandbox) as running:
            first = await running.receive(lambda m: m["type"] == "game", timeout=5)
            assert first["changes"]["id"] in recorded_ids
            assert abs(first["tst"] / 1000 - time.time()) < 5, "timestamps are shifted to the present"
            result = await running.receive(lambda m: m["type"] == "result", timeout=recording.duration + 5)
            assert result["result"]["text"].strip() and result["result"]["state"] == "finished"
            # The second loop continues with new ids, so the stream stays live.
            later = await running.receive(
                lambda m: m["type"] == "game" and m["changes"].get("id", 0) > max(recorded_ids),
                timeout=recording.duration + 5,
            )
            assert later["t"] in (1, 3)
            assert running.worker.health.parse_errors == 0
