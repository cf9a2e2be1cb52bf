"""Names shared by the worker and the web processes: store keys and channel-layer groups.

The worker writes the store and sends to the groups; web processes read and join them.
Spelling them in one place is what keeps both sides agreeing.
"""

from __future__ import annotations

POOLED_GAME_TYPE = 0
"""The game type of a jackpot pooled over every game type (BETCORE's ``t: 0``)."""

# -- state store keys (feed.store adds its own prefix) ------------------------------------

JACKPOTS_KEY = "jackpots"  # every jackpot row, all currencies
STATUS_KEY = "status"  # the feed state viewers are shown: {"state", "since"}
STREAMS_KEY = "streams"  # stream addresses the feed carries, per game type
HEALTH_KEY = "health"  # the worker's health record for /readyz and the admin
VIEWERS_KEY_PREFIX = "viewers:"  # one hash of viewer counts per web process


def game_key(game_type: int) -> str:
    """The latest view of one game."""
    return f"game:{game_type}"


def results_key(game_type: int) -> str:
    """The latest finished rounds of one game type, newest first."""
    return f"results:{game_type}"


def names_key(language: str) -> str:
    """Game-type names in one language."""
    return f"names:{language}"


# -- channel-layer groups -------------------------------------------------------------------

STATUS_GROUP = "feed-status"


def game_group(game_type: int) -> str:
    """Changes and results of one game type."""
    return f"feed-game-{game_type}"


def names_group(language: str) -> str:
    return f"feed-names-{language}"


def jackpots_group(currency: str) -> str:
    """One group per currency: a viewer gets the rows of its currency, all game types in
    one message per poll. Pots whose currency BETCORE does not name ("") go to every
    viewer, through their own group."""
    return f"feed-jackpots-{currency or 'any'}"


def config_group(public_id: str) -> str:
    """Admin changes to one widget, heard by every web process holding its sockets."""
    return f"widget-config.{public_id}"
