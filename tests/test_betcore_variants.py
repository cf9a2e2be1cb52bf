"""The real worker, unchanged but for configuration, against every hub the BETCORE docs allow.

Each case switches the sandbox to one way (or all ways at once) of settling a point the
docs leave open, and checks what a viewer would get: game data within 5 s, results that
belong to their own game type, and no empty result text.
"""

import asyncio
import time
from collections.abc import Callable

import pytest

from sandbox import Sandbox
from sandbox.variants import Variants
from tests.running_worker import RunningWorker
from tests.waiting import until

ALL_AT_ONCE = {
    "negotiate": False,
    "token_in": "query",
    "sid_scope": "subscription",
    "shared_round_ids": True,
    "results_in_push": True,
    "result_shape": "unknown",
    "info_shape": "inline",
    "jackpots_shape": "amount",
    "translation_ids": "string",
}

CASES = {
    "no negotiate endpoint": ({"negotiate": False}, {}),
    "token only in the query": ({"token_in": "query"}, {}),
    "token only in the header": ({"token_in": "header"}, {}),
    "sId per subscription": ({"sid_scope": "subscription"}, {}),
    "sId per connection": ({"sid_scope": "connection"}, {}),
    "round ids shared by all game types": ({"shared_round_ids": True}, {}),
    "payload as a JSON string": ({}, {"payload_as_string": True}),
    "push under another method name": ({}, {"push_target": "GamesInfoUpdated"}),
    "jackpots as one amount": ({"jackpots_shape": "amount"}, {}),
    "jackpots as one object": ({"jackpots_shape": "object"}, {}),
    "jackpots per currency only": ({"jackpots_shape": "currency_rows"}, {}),
    "result shape nobody planned for": ({"result_shape": "unknown"}, {}),
    "results inside the push": ({"results_in_push": True}, {}),
    "games/info nested": ({"info_shape": "nested"}, {}),
    "games/info inline": ({"info_shape": "inline"}, {}),
    "translation ids as strings": ({"translation_ids": "string"}, {}),
    "all of them together": (ALL_AT_ONCE, {"payload_as_string": True, "push_target": "GamesInfoUpdated"}),
}


async def results_of_both_games(
    running: RunningWorker, timeout: float, done: Callable[[list[dict]], bool] = lambda results: True
) -> list[dict]:
    """Results until both game types had one and ``done`` accepts them (or ``timeout`` passes)."""
    results, deadline = [], time.monotonic() + timeout
    while not ({r["t"] for r in results} == {1, 3} and done(results)) and time.monotonic() < deadline:
        try:
            message = await running.receive(lambda m: m["type"] == "result", deadline - time.monotonic())
        except TimeoutError:
            break
        results.append(message["result"] | {"t": message["t"]})
    return results


@pytest.mark.parametrize(("variants", "options"), list(CASES.values()), ids=list(CASES))
async def test_worker_streams_from_the_variant(variants, options):
    with Sandbox(seed=3, speed=10.0, ping_interval=1.0, variants=Variants(**variants), **options) as sandbox:
        async with RunningWorker(sandbox) as running:
            started = time.monotonic()
            game = await running.receive(lambda m: m["type"] == "game", timeout=5.0)
            assert time.monotonic() - started < 5.0
            assert game["t"] in (1, 3)

            rounds = sandbox.state.simulation.rounds

            def finished(results: list[dict]) -> list[dict]:  # played to the end (3), not cancelled (5)
                return [r for r in results if rounds[r["id"]].state == 3]

            # Wait for a finished round too: a cancelled one has no result contents to read.
            results = await results_of_both_games(running, timeout=25.0, done=lambda got: bool(finished(got)))
            assert {r["t"] for r in results} == {1, 3}, "both game types publish results"
            assert finished(results), "a finished round's result arrived"
            for result in results:
                assert rounds[result["id"]].game_type == result["t"], f"round {result['id']} shown under another game"
                assert result["text"].strip(), "a result is never empty"
            for result in finished(results):
                assert result["text"] != "—", "a finished round's result reads as its contents, whatever its shape"

            names = await asyncio.wait_for(running.store.get_many(["names:ru"]), 5)
            assert names["names:ru"]["3"] == "Покер"
            assert running.worker.health.parse_errors == 0
            assert running.worker.reason() == ""


async def test_jackpots_as_one_amount_reach_viewers_as_one_pot():
    with Sandbox(seed=3, speed=4.0, ping_interval=1.0, variants=Variants(jackpots_shape="amount")) as sandbox:
        async with RunningWorker(sandbox) as running:
            message = await running.receive(lambda m: m["type"] == "jackpots", timeout=5)
            assert message["rows"] == [{"t": 0, "currency": "", "amount": message["rows"][0]["amount"]}]
            assert message["rows"][0]["amount"] > 0


async def test_shared_round_ids_never_walk_into_other_games():
    with Sandbox(seed=4, speed=10.0, ping_interval=1.0, variants=Variants(shared_round_ids=True)) as sandbox:
        async with RunningWorker(sandbox) as running:
            await results_of_both_games(running, timeout=25.0)
            for game_type in (1, 3):
                rounds = running.worker.rounds[game_type]
                assert not rounds.consecutive, "shared ids must not be taken for per-type ids"
                fetched = {i for i in rounds.done if i in sandbox.state.simulation.rounds}
                assert fetched, f"game type {game_type}: rounds were fetched (else nothing below is checked)"
                foreign = {i for i in fetched if sandbox.state.simulation.rounds[i].game_type != game_type}
                assert not foreign, f"game type {game_type} fetched other games' rounds {sorted(foreign)}"


async def test_per_subscription_sids_are_counted_as_information_never_dropped():
    with Sandbox(seed=3, speed=4.0, ping_interval=1.0, variants=Variants(sid_scope="subscription")) as sandbox:
        async with RunningWorker(sandbox) as running:
            await running.receive(lambda m: m["type"] == "game")
            before = running.worker.health.last_message_at
            await until(lambda: running.worker.health.last_message_at > before, 5, "pushes keep coming")
            # Two subscriptions counting on their own overlap; nothing is dropped or counted as a gap.
            assert running.worker.health.sid_gaps == 0
            assert set(running.worker.sids) == {(1,), (3,)}
            assert {g.game_type for g in running.worker.games.values()} == {1, 3}


async def test_push_target_change_is_adopted_once_and_listed():
    with Sandbox(seed=3, speed=4.0, ping_interval=1.0, push_target="WholeGamesInfo") as sandbox:
        async with RunningWorker(sandbox) as running:
            await running.receive(lambda m: m["type"] == "game", timeout=5)
            stats = running.worker.hub.stats
            assert stats.push_targets == ("SubOnWholeGamesInfo", "WholeGamesInfo")
            assert stats.unknown_targets == {"WholeGamesInfo": 1}


async def test_a_configured_push_target_that_is_wrong_is_named_in_the_reason():
    with Sandbox(seed=3, speed=4.0, ping_interval=1.0, push_target="WholeGamesInfo") as sandbox:
        async with RunningWorker(sandbox, push_target="SubOnWholeGamesInfo") as running:
            await until(lambda: "WholeGamesInfo" in running.worker.reason(), 5, "the reason names the push target")
            assert "pushes arrive under 'WholeGamesInfo'" in running.worker.reason()
            assert running.worker.hub.stats.unknown_targets["WholeGamesInfo"] >= 2


@pytest.mark.parametrize(("negotiate", "token_in", "refuses"), [("always", "both", {"negotiate": False})])
async def test_negotiate_always_against_a_direct_only_hub_says_why(negotiate, token_in, refuses):
    with Sandbox(seed=3, ping_interval=1.0, variants=Variants(**refuses)) as sandbox:
        async with RunningWorker(sandbox, negotiate=negotiate, token_in=token_in) as running:
            await until(running.worker.reason, 5, "a reason")
            assert "negotiate answered HTTP 404" in running.worker.reason()


async def test_token_in_the_header_only_against_a_query_only_hub_says_the_token_was_refused():
    with Sandbox(seed=3, ping_interval=1.0, variants=Variants(token_in="query")) as sandbox:
        async with RunningWorker(sandbox, token_in="header") as running:
            await until(running.worker.reason, 5, "a reason")
            assert "hub refused the token" in running.worker.reason()
