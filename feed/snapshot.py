"""Read a widget's full current state from the store (for first paint and socket join)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from feed.protocol.browser import Snapshot, pooled_or_shown
from feed.protocol.keys import JACKPOTS_KEY, STATUS_KEY, game_key, names_key, results_key
from feed.protocol.schema import ProtocolError
from feed.protocol.views import UNKNOWN_FEED_STATE, FeedState, GameView, JackpotView, ResultView
from feed.store import FeedStore

log = logging.getLogger("feed.snapshot")

T = TypeVar("T")


async def read_snapshot_message(
    store: FeedStore,
    game_types: Iterable[int],
    language: str,
    currency: str | None = None,
    default_language: str = "en",
) -> Snapshot:
    """Everything one widget shows, as the protocol's ``snapshot`` message.

    Game names fall back per game type: the viewer's language, then the widget's
    default, then English (the browser shows ``#id`` for a type with no name at all).
    Jackpot rows are those of the shown game types and the pooled pot, in ``currency``
    or in the currency BETCORE did not name ("").
    """
    game_types = list(game_types)
    fallbacks = list(dict.fromkeys(["en", default_language, language]))  # weakest first
    keys = [game_key(game_type) for game_type in game_types] + [results_key(game_type) for game_type in game_types]
    keys += [JACKPOTS_KEY, *(names_key(code) for code in fallbacks), STATUS_KEY]
    data = await store.get_many(keys)
    shown = set(game_types)
    jackpots = _valid(JackpotView.from_wire, data.get(JACKPOTS_KEY) or [], "jackpot row")
    names = {
        int(key): str(name)
        for code in fallbacks
        for key, name in (data.get(names_key(code)) or {}).items()
        if str(key).isdigit()
    }
    return Snapshot(
        now=int(time.time() * 1000),
        games=tuple(
            game
            for game_type in game_types
            if game_key(game_type) in data
            for game in _valid(GameView.from_wire, [data[game_key(game_type)]], "game")
        ),
        results={
            game_type: tuple(_valid(ResultView.from_wire, data.get(results_key(game_type)) or [], "result"))
            for game_type in game_types
        },
        jackpots=tuple(
            row
            for row in jackpots
            if pooled_or_shown(row, shown) and (currency is None or row.currency in (currency, ""))
        ),
        names=names,
        language=language,
        status=FeedState.from_wire(data[STATUS_KEY]) if data.get(STATUS_KEY) else UNKNOWN_FEED_STATE,
    )


async def read_snapshot(
    store: FeedStore,
    game_types: Iterable[int],
    language: str,
    currency: str | None = None,
    default_language: str = "en",
) -> dict[str, Any]:
    """The snapshot in its wire form (what templates render for the first paint)."""
    return (await read_snapshot_message(store, game_types, language, currency, default_language)).to_wire()


def _valid(decode: Callable[[Any], T], values: list[Any], what: str) -> list[T]:
    """The stored values that match the protocol; one that does not is logged and left out."""
    kept: list[T] = []
    for value in values:
        try:
            kept.append(decode(value))
        except ProtocolError as error:
            log.warning("stored %s left out of a snapshot: %s", what, error)
    return kept
