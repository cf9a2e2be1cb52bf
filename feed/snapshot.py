"""Read a widget's full current state from the store (for first paint and socket join)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from feed.store import FeedStore


async def read_snapshot(
    store: FeedStore, game_types: Iterable[int], language: str, currency: str | None = None
) -> dict[str, Any]:
    """Everything one widget shows, in the widget protocol's ``snapshot`` shape."""
    game_types = list(game_types)
    keys = [f"game:{t}" for t in game_types] + [f"results:{t}" for t in game_types]
    keys += ["jackpots", f"names:{language}", "names:en", "status"]
    data = await store.get_many(keys)
    shown = set(game_types)
    return {
        "type": "snapshot",
        "now": int(time.time() * 1000),  # lets browsers correct their clock for countdowns
        "games": [data[f"game:{t}"] for t in game_types if f"game:{t}" in data],
        "results": {str(t): data.get(f"results:{t}", []) for t in game_types},
        "jackpots": [
            row
            for row in data.get("jackpots", [])
            # t 0: one pot for all games; currency "": BETCORE named none.
            if (row.get("t") in shown or row.get("t") == 0)
            and (currency is None or row.get("currency") in (currency, ""))
        ],
        # Until the worker has this language, English names beat bare numbers.
        "names": data.get(f"names:{language}") or data.get("names:en") or {},
        "status": data.get("status") or {"state": "reconnecting", "since": None},
    }
