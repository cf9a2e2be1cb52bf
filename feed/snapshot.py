"""Read a widget's full current state from the store (for first paint and socket join)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from feed.store import FeedStore


async def read_snapshot(
    store: FeedStore,
    game_types: Iterable[int],
    language: str,
    currency: str | None = None,
    default_language: str = "en",
) -> dict[str, Any]:
    """Everything one widget shows, in the widget protocol's ``snapshot`` shape.

    Game names fall back per game type: the viewer's language, then the widget's
    default, then English (the browser shows ``#id`` for a type with no name at all).
    """
    game_types = list(game_types)
    keys = [f"game:{t}" for t in game_types] + [f"results:{t}" for t in game_types]
    fallbacks = list(dict.fromkeys(["en", default_language, language]))  # weakest first
    keys += ["jackpots", *(f"names:{code}" for code in fallbacks), "status"]
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
        "names": {key: name for code in fallbacks for key, name in (data.get(f"names:{code}") or {}).items()},
        "lang": language,
        "status": data.get("status") or {"state": "reconnecting", "since": None},
    }
