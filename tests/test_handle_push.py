"""``FeedWorker.handle_push`` and the result catch-up, driven by recorded frames, no network."""

import asyncio
import json
from pathlib import Path

from channels.layers import InMemoryChannelLayer

from betcore.rest_answers import parse_round_info
from feed.audience import Wanted
from feed.protocol.keys import game_group
from feed.store import MemoryStore
from feed.worker import FeedWorker, WorkerConfig
from sandbox.replay import load_recording
from tests.recorded_rest import RecordedRest

FIXTURE = Path(__file__).parent / "fixtures" / "probe-sandbox.jsonl"


async def drain(layer, channel) -> list[dict]:
    messages = []
    while True:
        try:
            event = await asyncio.wait_for(layer.receive(channel), 0.05)
        except TimeoutError:
            return messages
        messages.append(json.loads(event["text"]))


async def test_recorded_pushes_give_changes_only_and_each_result_under_its_own_game():
    recording = load_recording(FIXTURE)
    layer, store = InMemoryChannelLayer(), MemoryStore()
    rest = RecordedRest(recording.rounds)

    async def wanted() -> Wanted:
        return Wanted(game_types=(1, 3))

    worker = FeedWorker(WorkerConfig("http://unused", 1), rest, store, layer, wanted)
    channel = await layer.new_channel()
    for game_type in (1, 3):
        await layer.group_add(game_group(game_type), channel)

    sent_at = 1_000_000.0  # an injected clock: the recorded offsets from a fixed start
    for offset, _target, payload, _as_string in recording.pushes:
        assert await worker.handle_push(1, [payload], sent_at + offset)
    await asyncio.gather(*worker.results.tasks)
    messages = await drain(layer, channel)

    games = [m for m in messages if m["type"] == "game"]
    assert 2 <= len(games) < len(recording.pushes) / 2, "only changes are broadcast, not every push"
    results = [m for m in messages if m["type"] == "result"]
    assert results, "finished rounds of the recording produce results"
    for message in results:
        recorded = parse_round_info(recording.rounds[message["result"]["id"]])
        assert recorded.game_type == message["t"] == message["result"]["t"]
        assert message["result"]["text"].strip()
    assert worker.health.last_message_at == sent_at + recording.pushes[-1][0]

    # The same push again (a repeated sId) is applied as a no-op, counted, never dropped.
    before = worker.health.sid_repeats
    assert await worker.handle_push(1, [recording.pushes[-1][2]], sent_at + 999)
    assert worker.health.sid_repeats == before + 1
    assert [m for m in await drain(layer, channel) if m["type"] == "game"] == []

    # Every round asked for was one a push showed (i or lrId), or a walk back over proven ids.
    seen = {g[k] for _, _, p, _ in recording.pushes for g in p["wgi"] for k in ("i", "lrId")}
    walked = set(rest.asked) - seen
    assert all(worker.rounds[t].consecutive for t in (1, 3)) or not walked


async def test_malformed_pushes_are_counted_and_named_once_nothing_good_came_for_five_seconds():
    async def wanted() -> Wanted:
        return Wanted(game_types=(3,))

    rest, layer = RecordedRest({}), InMemoryChannelLayer()
    worker = FeedWorker(WorkerConfig("http://unused", 1), rest, MemoryStore(), layer, wanted)
    good = load_recording(FIXTURE).pushes[0][2]
    assert await worker.handle_push(1, [good], 100.0)
    assert not await worker.handle_push(1, [{"sId": "x", "wgi": []}], 104.0)
    assert worker.health.parse_errors == 1 and worker.health.last_parse_reason.startswith("sId must be")
    assert worker.reason(now=104.5) == "", "a good push 4.5 s ago: not yet a reason"
    assert worker.reason(now=106.0) == 'every push is malformed: sId must be an integer, got "x"'
    assert worker.reason(now=110.0) == "", "no recent malformed push either"
