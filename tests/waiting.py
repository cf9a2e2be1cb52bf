"""Waiting for a state, never for a time: the suite's one poll loop, and a clock tests move forward.

A test that needs "time to pass" moves a ``ShiftedClock`` injected into the code under test; a
test that needs something to have happened waits for it with ``wait_until``/``until``, which
return as soon as the predicate holds and fail with a message naming what never happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

POLL_SECONDS = 0.05  # short: a check that holds returns within one poll, not after a fixed pause


def wait_until(predicate: Callable[[], T], timeout: float = 10.0, what: str = "the condition") -> T:
    """Poll ``predicate`` until it returns something truthy, and return that; TimeoutError naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: not within {timeout:g} s (last value {value!r})")
        time.sleep(POLL_SECONDS)


def last_reading(read: Callable[[], T], done: Callable[[T], bool], timeout: float) -> T:
    """The first reading that ``done`` accepts, or the last one when ``timeout`` runs out.

    For checks whose assert should show what the last reading lacked, rather than a TimeoutError.
    """
    latest: list[T] = []

    def accepted() -> bool:
        latest[:] = [read()]
        return done(latest[0])

    with contextlib.suppress(TimeoutError):  # the caller's asserts say what the reading lacked
        wait_until(accepted, timeout)
    return latest[0]


async def until(predicate: Callable[[], T | Awaitable[T]], timeout: float = 10.0, what: str = "the condition") -> T:
    """``wait_until`` for the event loop: the predicate may be a coroutine function."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: not within {timeout:g} s (last value {value!r})")
        await asyncio.sleep(POLL_SECONDS)


class ShiftedClock:
    """The real clock plus an offset the test moves forward: time passes for the code, not for the test.

    Everything keeps running in real time (pushes, pings), so a jump looks to the code under test
    like a stretch of time in which nothing else happened.
    """

    def __init__(self, base: Callable[[], float] = time.time) -> None:
        self.base = base
        self.offset = 0.0

    def __call__(self) -> float:
        return self.base() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds
