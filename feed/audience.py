"""What the feed worker needs to know about its audience, provided by whichever app shows the feed.

The worker subscribes only to the game types someone shows, fetches names only in the
languages they are shown in, and tells followers which game types BETCORE offers. It
does not know who "someone" is: an app registers an ``Audience`` (the widget app does,
in its ``AppConfig.ready``), so ``feed`` never imports the apps that use it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass
class Wanted:
    """What the feed's viewers are shown: the worker subscribes and fetches only this."""

    game_types: tuple[int, ...] = ()
    languages: tuple[str, ...] = ("en",)


@dataclass(frozen=True)
class Audience:
    wanted: Callable[[], Awaitable[Wanted]]
    offered: Callable[[list[int]], Awaitable[None]] | None = None  # told the game types BETCORE offers


_registered: Audience | None = None


def register_audience(audience: Audience) -> None:
    global _registered
    _registered = audience


def registered_audience() -> Audience:
    """The registered audience; without one the worker shows nothing and subscribes to nothing."""
    if _registered is None:

        async def nobody() -> Wanted:
            return Wanted()

        return Audience(nobody)
    return _registered
