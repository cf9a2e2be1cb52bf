"""The game types the feed offers, with their names, as the worker last stored them."""

from __future__ import annotations

from feed.protocol.keys import names_key
from feed.store import get_store


async def offered_game_types(language: str = "en") -> list[tuple[int, str]]:
    """(id, name) in BETCORE's order; names in ``language`` where BETCORE has them, else English.

    Empty until the feed worker has fetched BETCORE's translations once.
    """
    data = await get_store().get_many([names_key("en"), names_key(language)])
    english = data.get(names_key("en")) or {}
    local = data.get(names_key(language)) or {}
    return [(int(key), str(local.get(key) or name)) for key, name in english.items() if str(key).isdigit()]
