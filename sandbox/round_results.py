"""The random results a simulated round ends with, per game type.

Each game type's result has its own shape (dice, a roulette number, a poker hand, …),
or, with the ``result_shape`` variant "unknown", one no renderer knows; with
``hostile`` on, a string meant to break careless HTML. It is apart from
``sandbox.simulation`` because what a result looks like is independent of when rounds
finish.
"""

from __future__ import annotations

import random
from typing import Any

from sandbox.catalog import HOSTILE_STRINGS
from sandbox.variants import Variants


def random_result(rng: random.Random, game_type: int, variants: Variants, hostile: bool) -> dict[str, Any]:
    """One finished round's result for ``game_type``, drawn from ``rng``."""
    if variants.result_shape == "unknown":
        # A shape no renderer knows: nested lists, booleans, nulls, odd keys.
        return {
            "o": [
                {"k": f"x{rng.randint(1, 9)}", "v": [rng.randint(0, 99), rng.randint(0, 99)]},
                {"k": "y", "v": []},
            ],
            "ok": rng.random() < 0.5,
            "meta": None,
        }
    if game_type == 1:
        dice = [rng.randint(1, 6), rng.randint(1, 6)]
        result: dict[str, Any] = {"dice": dice, "total": sum(dice)}
    elif game_type == 2:
        number = rng.randint(0, 36)
        result = {"number": number, "color": "green" if number == 0 else rng.choice(["red", "black"])}
    elif game_type == 3:
        result = {
            "winningHand": rng.randint(1, 6),
            "combination": rng.choice(["Pair", "Two Pairs", "Straight", "Flush", "Full House"]),
        }
    elif game_type == 5:
        player, banker = rng.randint(0, 9), rng.randint(0, 9)
        winner = "Tie" if player == banker else ("Player" if player > banker else "Banker")
        result = {"winner": winner, "player": player, "banker": banker}
    else:
        result = {"numbers": sorted(rng.sample(range(1, 81), 20))}
    if hostile:
        result["combination"] = rng.choice(HOSTILE_STRINGS)
    return result
