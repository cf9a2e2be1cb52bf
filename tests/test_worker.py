"""The real worker (signalrcore) against the sandbox, seen from a channel-layer member."""

import asyncio

import pytest

from feed.snapshot import read_snapshot
from sandbox import Sandbox
from tests.running_worker import RunningWorker
from tests.waiting import ShiftedClock, until


@pytest.fixture
def fast_sandbox():
    with Sandbox(seed=5, speed=6.0, ping_interval=1.0) as running:
        yield running


async def test_snapshot_then_only_changes_with_an_absolute_deadline(fast_sandbox):
    async with RunningWorker(fast_sandbox) as running:
        first = await running.receive(lambda m: m["type"] == "game" and m["t"] == 3)
        assert set(first["changes"]) >= {"t", "id", "round", "state", "phase", "deadline", "lastRoundId"}
        messages = await running.collect(4.0)
        games = [m for m in messages if m["type"] == "game"]
        # Pushes arrive every 500 ms per game type; only changes are broadcast.
        assert len([m for m in games if m["t"] == 3]) < 8
        assert all(m["changes"] for m in games)
        betting = next((m for m in [first, *games] if m["changes"].get("phase") == "betting"), None)
        if betting is None:  # not yet in this window: wait for the next betting phase
            betting = await running.receive(lambda m: m["type"] == "game" and m["changes"].get("phase") == "betting")
        deadline, sent = betting["changes"]["deadline"], betting["tst"]
        assert sent - 1000 <= deadline <= sent + 60_000  # absolute Unix ms, not "seconds left"
        snapshot = await read_snapshot(running.store, [3, 1], "ru")
        assert [g["t"] for g in snapshot["games"]] == [3, 1]
        assert snapshot["names"]["3"] == "Покер"
        assert snapshot["status"]["state"] == "live"
        assert {row["t"] for row in snapshot["jackpots"]} == {3, 1}


async def test_jackpots_and_translations_arrive(fast_sandbox):
    async with RunningWorker(fast_sandbox) as running:
        names = await running.receive(lambda m: m["type"] == "names")
        assert names == {"type": "names", "lang": "ru", "names": names["names"]}
        assert names["names"]["3"] == "Покер"
        rows = set()
        while not {(3, "EUR"), (1, "USD")} <= rows:
            message = await running.receive(lambda m: m["type"] == "jackpots")
            assert len({r["currency"] for r in message["rows"]}) == 1  # one group per currency
            rows |= {(r["t"], r["currency"]) for r in message["rows"]}
        assert not {r for r in rows if r[1] == "TRY"}  # not joined, not received
        later = await running.receive(lambda m: m["type"] == "jackpots", timeout=5)
        assert later["rows"][0]["amount"] > 0  # growing amounts keep coming as changed rows


async def test_finished_rounds_publish_results(fast_sandbox):
    async with RunningWorker(fast_sandbox) as running:
        result = await running.receive(lambda m: m["type"] == "result", timeout=15)
        assert set(result["result"]) == {"id", "t", "state", "at", "text", "fields"}
        assert result["result"]["state"] in ("finished", "cancelled")


async def test_all_connections_dropped_data_resumes_and_no_result_is_lost(fast_sandbox):
    async with RunningWorker(fast_sandbox) as running:
        seen_results: set[int] = set()
        first = await running.receive(lambda m: m["type"] == "result", timeout=20)
        seen_results.add(first["result"]["id"])
        sessions = running.worker.hub.stats.sessions
        # Cut every connection and keep the hub shut for 3 s: rounds finish while we are away.
        await asyncio.to_thread(fast_sandbox.refuse_connections, 3.0)
        await asyncio.to_thread(fast_sandbox.drop_connections)
        await until(lambda: running.worker.hub.stats.sessions > sessions, 3.0 + 5.0, "a new session")
        last = running.worker.health.last_message_at
        # Data resumes within 5 s of the hub coming back (it stays shut for 3 s).
        await until(lambda: running.worker.health.last_message_at > last, 3.0 + 5.0, "data after the drop")
        after_drop: set[int] = set()
        while {rid // 1_000_000 for rid in after_drop} != {1, 3}:  # a result of each game after the drop
            message = await running.receive(lambda m: m["type"] == "result", timeout=20)
            after_drop.add(message["result"]["id"])
        seen_results |= after_drop
        simulation = fast_sandbox.state.simulation
        for game_type in (1, 3):
            low = min(rid for rid in seen_results if rid // 1_000_000 == game_type)
            last_completed = simulation.tables[game_type].last_round_id
            expected = {rid for rid in range(low, last_completed) if simulation.rounds[rid].state in (3, 5)}
            assert expected <= seen_results, f"game type {game_type}: lost {sorted(expected - seen_results)}"


async def test_token_expiry_mid_stream_reconnects_with_a_fresh_token():
    clock = ShiftedClock()  # the sandbox's and the worker's REST clock: the 3 s token expires on our word
    with Sandbox(seed=2, speed=4.0, token_lifetime=3, ping_interval=1.0, clock=clock) as sandbox:
        async with RunningWorker(sandbox, clock=clock) as running:
            await running.receive(lambda m: m["type"] == "game")
            assert running.worker.hub.stats.sessions == 1
            clock.advance(4.5)  # the sandbox closes the connection: "Token expired"
            await until(lambda: running.worker.hub.stats.sessions >= 2, 10, "a second session")
            assert sandbox.status()["token_calls"] >= 2, "each new connection asked for a fresh token"
            before = running.worker.health.last_message_at
            await until(lambda: running.worker.health.last_message_at > before, 5, "pushes on the new session")


async def test_payload_as_json_string_is_understood(fast_sandbox):
    fast_sandbox.set_payload_as_string(True)
    async with RunningWorker(fast_sandbox) as running:
        message = await running.receive(lambda m: m["type"] == "game")
        assert message["t"] in (1, 3)
        assert running.worker.health.parse_errors == 0


@pytest.mark.parametrize("kind", ["json", "schema", "type", "binary"])
async def test_malformed_frames_are_counted_and_skipped(fast_sandbox, kind):
    async with RunningWorker(fast_sandbox) as running:
        await running.receive(lambda m: m["type"] == "game")
        sessions = running.worker.hub.stats.sessions
        await asyncio.to_thread(fast_sandbox.send_malformed_frame, kind)
        stats = running.worker.hub.stats
        await until(lambda: stats.bad_records + running.worker.health.parse_errors >= 1, 5, "the bad frame counted")
        before = running.worker.health.last_message_at
        await until(lambda: running.worker.health.last_message_at > before, 5, "a push after the bad frame")
        # That push came after the bad frame: had the frame cost the connection, it would be on a new session.
        assert stats.sessions == sessions, "a malformed frame must not cost the connection"


async def test_paused_pushes_show_as_paused_then_live_again(fast_sandbox):
    async with RunningWorker(fast_sandbox, silence_seconds=1.5) as running:
        await running.receive(lambda m: m["type"] == "game")
        # Pings every 1 s keep a paused feed alive for the hub; viewers still see "paused".
        await asyncio.to_thread(fast_sandbox.pause_pushes, 4.0)
        status = await running.receive(lambda m: m["type"] == "status" and m["state"] != "live", timeout=5)
        assert status["state"] == "paused"
        live = await running.receive(lambda m: m["type"] == "status" and m["state"] == "live", timeout=8)
        assert live["state"] == "live"


async def test_a_silent_hub_is_treated_as_dead():
    # Pings rarer than the silence limit and no pushes: the supervisor must rebuild.
    with Sandbox(seed=2, ping_interval=30.0) as sandbox:
        async with RunningWorker(sandbox, silence_seconds=1.0) as running:
            await running.receive(lambda m: m["type"] == "game")
            await asyncio.to_thread(sandbox.pause_pushes, 5.0)
            await until(lambda: running.worker.hub.stats.reconnects >= 1, 5, "a rebuilt connection")
            assert "no data or ping" in running.worker.hub.stats.last_error
