"""Game names in the viewer's language, whatever languages the widgets are configured in."""

import asyncio
import time

import pytest

from betcore.sandbox import Sandbox
from feed.snapshot import read_snapshot
from feed.store import MemoryStore, get_store
from tests.running_worker import RunningWorker
from widget.feed_interest import wanted_from_widgets

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_russian_viewer_gets_russian_names_with_no_widget_configured_in_russian(widget, async_client):
    assert widget.language == "en"
    with Sandbox(seed=2, ping_interval=1.0) as sandbox:
        async with RunningWorker(sandbox, store=get_store(), wanted=wanted_from_widgets):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and "names:tr" not in (await get_store().get_many(["names:tr"])):
                await asyncio.sleep(0.1)
            page = await async_client.get(f"/w/{widget.public_id}/?lang=ru")
            assert "Покер" in page.content.decode()
            for language, poker in (("es", "Póquer"), ("pt", "Pôquer"), ("tr", "Poker"), ("en", "Poker")):
                snapshot = await read_snapshot(get_store(), [3, 1], language, "EUR", "en")
                assert snapshot["names"]["3"] == poker and snapshot["lang"] == language


async def test_names_fall_back_per_game_type_to_the_widget_default_then_english():
    store = MemoryStore()
    await store.set_many({"names:en": {"1": "Dice", "3": "Poker", "5": "Baccarat"}, "names:es": {"3": "Póquer"}})
    await store.set_many({"names:ru": {"1": "Кости"}})
    snapshot = await read_snapshot(store, [1, 3, 5, 9], "ru", None, "es")
    assert snapshot["names"] == {"1": "Кости", "3": "Póquer", "5": "Baccarat"}  # 9 has none: the page shows #9
