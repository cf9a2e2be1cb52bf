"""sId gaps that mean lost pushes: ``SidTracker`` fed sIds, the worker's counts, /readyz against the sandbox."""

import asyncio
import random
import time
from pathlib import Path

import pytest
from channels.layers import InMemoryChannelLayer
from prometheus_client import REGISTRY

from feed.audience import Wanted
from feed.sid_tracker import PER_SUBSCRIPTION, REORDER_WINDOW, SHARED, UNKNOWN, SidTracker
from feed.store import MemoryStore, get_store
from feed.worker import FeedWorker, WorkerConfig
from sandbox import Sandbox
from sandbox.replay import load_recording
from sandbox.variants import Variants
from tests.recorded_rest import RecordedRest
from tests.running_worker import RunningWorker

FIXTURE = Path(__file__).parent / "fixtures" / "probe-sandbox.jsonl"
A, B, C = (1,), (3,), (5,)


def shared_counter(subscriptions, ticks, start=0, lose=()):
    """(subscription, sId) pushes of one counter for all subscriptions, one push each per tick."""
    pushes = [(s, start + i) for i, s in enumerate(s for _ in range(ticks) for s in subscriptions)]
    return [push for push in pushes if push[1] not in lose]


def own_counters(starts, ticks, lose=()):
    """(subscription, sId) pushes of one counter per subscription, starting where ``starts`` says."""
    pushes = [(s, start + tick) for tick in range(ticks) for s, start in starts.items()]
    return [push for push in pushes if push not in lose]


def feed(tracker, pushes):
    for subscription, sid in pushes:
        tracker.observe(subscription, sid)
    return tracker


# -- the tracker, fed sIds ------------------------------------------------------------------------


@pytest.mark.parametrize("subscriptions", [[A, B], [A, B, C], [B, A, C, (6,), (2,)]])
def test_a_counter_shared_by_all_subscriptions_is_recognised_and_counts_no_gap(subscriptions):
    tracker = feed(SidTracker(), shared_counter(subscriptions, ticks=200, start=4_711))
    assert (tracker.gaps, tracker.repeats) == (0, 0)
    assert tracker.counter == SHARED


@pytest.mark.parametrize("starts", [{A: 0, B: 0}, {A: 100, B: 5}, {A: 7, B: 8, C: 9}])
def test_one_counter_per_subscription_is_recognised_and_counts_no_gap(starts):
    tracker = feed(SidTracker(), own_counters(starts, ticks=200))
    assert (tracker.gaps, tracker.repeats) == (0, 0)
    assert tracker.counter == PER_SUBSCRIPTION


def test_one_subscription_counts_no_gap_and_cannot_tell_the_counters_apart():
    tracker = feed(SidTracker(), [(B, sid) for sid in range(50)])
    assert (tracker.gaps, tracker.repeats, tracker.counter) == (0, 0, UNKNOWN)


def test_each_lost_push_of_a_shared_counter_is_one_gap():
    tracker = feed(SidTracker(), shared_counter([A, B, C], ticks=100, lose={40, 41, 150}))
    assert (tracker.gaps, tracker.repeats, tracker.counter) == (3, 0, SHARED)


def test_each_lost_push_of_per_subscription_counters_is_one_gap():
    lost = {(A, 30), (A, 31), (B, 60)}
    tracker = feed(SidTracker(), own_counters({A: 0, B: 20}, ticks=100, lose=lost))
    assert (tracker.gaps, tracker.repeats, tracker.counter) == (3, 0, PER_SUBSCRIPTION)


def test_a_lost_push_is_counted_once_the_counter_is_a_window_past_it():
    tracker = feed(SidTracker(), shared_counter([A, B], ticks=20, lose={36}))  # sIds 0 to 39
    feed(tracker, [(A, sid) for sid in range(40, 36 + REORDER_WINDOW + 1)])
    assert tracker.gaps == 0, f"sId 36 might still come: the newest is only {REORDER_WINDOW} past it"
    feed(tracker, [(B, 36 + REORDER_WINDOW + 1)])
    assert tracker.gaps == 1


def test_a_push_that_comes_late_within_the_window_is_not_lost():
    pushes = shared_counter([A, B, C], ticks=50)
    pushes[30], pushes[31] = pushes[31], pushes[30]  # one tick's subscriptions sent out of order
    pushes[60], pushes[63] = pushes[63], pushes[60]
    tracker = feed(SidTracker(), pushes)
    assert (tracker.gaps, tracker.repeats, tracker.counter) == (0, 0, SHARED)


def test_a_push_received_twice_is_a_repeat_not_a_gap():
    pushes = shared_counter([A, B], ticks=30)
    pushes.insert(21, pushes[20])
    tracker = feed(SidTracker(), pushes)
    assert (tracker.gaps, tracker.repeats) == (0, 1)


def test_a_new_connection_starts_afresh_and_gives_up_on_what_was_still_missing():
    tracker = feed(SidTracker(), shared_counter([A, B], ticks=30, lose={58}))
    assert tracker.gaps == 0, "58 was within the window when the connection ended"
    assert tracker.restart() == (1, 0)
    # The new connection's counter starts at 0 again, or continues: neither is a gap or a repeat.
    feed(tracker, shared_counter([A, B], ticks=30))
    tracker.restart()
    feed(tracker, shared_counter([A, B], ticks=30, start=5_000))
    assert (tracker.gaps, tracker.repeats, tracker.counter) == (1, 0, SHARED)


def test_a_counter_that_goes_back_on_the_same_connection_is_one_repeat_then_followed():
    tracker = feed(SidTracker(), shared_counter([A, B], ticks=50, start=900))
    feed(tracker, shared_counter([A, B], ticks=50, start=0))
    assert (tracker.gaps, tracker.repeats) == (0, 1)


def test_a_huge_jump_is_counted_without_remembering_every_missing_sid():
    tracker = feed(SidTracker(), [(A, 0), (A, 10_000_000), *[(A, 10_000_001 + i) for i in range(20)]])
    assert tracker.gaps == 9_999_999
    assert all(len(sequence.missing) <= REORDER_WINDOW for sequence in tracker._readings())


def test_a_subscription_added_to_a_shared_counter_later_is_no_gap():
    early = shared_counter([A, B], ticks=20)
    later = shared_counter([A, B, C], ticks=20, start=40)
    tracker = feed(SidTracker(), early + later)
    assert (tracker.gaps, tracker.repeats, tracker.counter) == (0, 0, SHARED)


def test_reported_counts_never_go_down_whatever_arrives():
    chance = random.Random(21)
    tracker, gaps, repeats = SidTracker(), 0, 0
    for _ in range(5_000):
        new = tracker.observe((chance.choice([1, 3, 5]),), chance.randrange(0, 400))
        assert min(new) >= 0 and tracker.gaps == gaps + new[0] and tracker.repeats == repeats + new[1]
        gaps, repeats = tracker.gaps, tracker.repeats
        if chance.random() < 0.01:
            assert min(tracker.restart()) >= 0
            assert (tracker.gaps, tracker.repeats) >= (gaps, repeats)
            gaps, repeats = tracker.gaps, tracker.repeats


# -- the worker: health and the metric ----------------------------------------------------------------


def sid_metric(kind: str) -> float:
    return REGISTRY.get_sample_value("feed_hub_sid_gaps_total", {"kind": kind}) or 0.0


async def test_the_worker_counts_only_lost_pushes_in_its_health_and_the_metric():
    async def wanted() -> Wanted:
        return Wanted(game_types=(1, 3))

    worker = FeedWorker(
        WorkerConfig("http://unused", 1), RecordedRest({}), MemoryStore(), InMemoryChannelLayer(), wanted
    )
    payloads = [payload for _, _, payload, _ in load_recording(FIXTURE).pushes]
    gaps_before, repeats_before = sid_metric("gap"), sid_metric("repeat")
    for sid, payload in enumerate(payloads):  # one shared counter, as the sandbox counts by default
        if sid not in (30, 31):
            assert await worker.handle_push(1, [{**payload, "sId": sid}], 1_000.0 + sid / 2)
    assert worker.health.sid_gaps == 2 and worker.health.sid_repeats == 0
    assert worker.health.sid_counter == SHARED
    assert sid_metric("gap") - gaps_before == 2 and sid_metric("repeat") == repeats_before
    assert set(worker.sids) == {(1,), (3,)}


# -- end to end: the real worker and /readyz against the sandbox ------------------------------------------


def pushes_received() -> float:
    return REGISTRY.get_sample_value("feed_hub_messages_total") or 0.0


async def until(check, timeout: float, what: str) -> None:
    """Wait for ``check()`` (or its awaited result) to hold, failing with ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not (await check() if asyncio.iscoroutinefunction(check) else check()):
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        await asyncio.sleep(0.05)


async def readyz_sid_gaps(async_client) -> int:
    response = await async_client.get("/readyz")
    return response.json()["sidGaps"]


@pytest.mark.django_db
@pytest.mark.parametrize(("sid_scope", "counter"), [("partner", SHARED), ("subscription", PER_SUBSCRIPTION)])
async def test_readyz_sid_gaps_stay_at_zero_in_normal_operation_and_rise_by_each_dropped_push(
    sid_scope, counter, async_client
):
    with Sandbox(seed=3, speed=4.0, ping_interval=1.0, variants=Variants(sid_scope=sid_scope)) as sandbox:
        async with RunningWorker(sandbox, store=get_store()) as running:
            worker, gaps_before = running.worker, sid_metric("gap")
            started, first = time.monotonic(), pushes_received()
            await until(lambda: pushes_received() - first >= 30, 20, "30 pushes")
            normal = time.monotonic() - started
            assert worker.sid_tracker.counter == counter
            assert worker.health.sid_gaps == 0 and sid_metric("gap") == gaps_before
            assert await readyz_sid_gaps(async_client) == 0

            sandbox.drop_pushes(3)
            await until(lambda: sandbox.status()["pushes_dropped"] == 3, 10, "the sandbox to drop 3 pushes")
            dropped_at = time.monotonic()
            await until(lambda: worker.health.sid_gaps >= 3, 15, "the worker to count 3 gaps")
            seen_after = time.monotonic() - dropped_at

            async def readyz_shows_three() -> bool:
                return await readyz_sid_gaps(async_client) == 3

            await until(readyz_shows_three, 5, "/readyz to show the 3 gaps")
            assert sid_metric("gap") - gaps_before == 3

            # A reconnect and 30 more pushes later, nothing else is counted.
            sandbox.drop_connections()
            sessions = worker.hub.stats.sessions
            await until(lambda: worker.hub.stats.sessions > sessions, 10, "a new hub connection")
            later = pushes_received()
            await until(lambda: pushes_received() - later >= 30, 20, "30 more pushes")
            assert worker.health.sid_gaps == 3 and sid_metric("gap") - gaps_before == 3
            assert await readyz_sid_gaps(async_client) == 3
    print(f"\n{sid_scope}: 0 gaps over 30 pushes in {normal:.1f} s; 3 dropped pushes counted {seen_after:.1f} s later")
