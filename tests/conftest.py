"""The shared test world: a running sandbox, a partner token, a theme and a widget."""

from __future__ import annotations

import pytest
import requests

from sandbox import DEFAULT_PARTNER_ID, DEFAULT_SECRET, Sandbox
from tests.waiting import ShiftedClock


@pytest.fixture(autouse=True)
def empty_memory_store():
    """Each test starts with no feed state in this process's in-memory store (others leave theirs)."""
    from feed.store import _memory

    _memory.data.clear()
    yield


@pytest.fixture
def clock() -> ShiftedClock:
    """The sandbox's clock: a test moves it forward (token expiry, refusals, jackpots) instead of waiting."""
    return ShiftedClock()


@pytest.fixture
def sandbox(clock):
    """A sandbox on a free port, fast pings so keep-alive shows up within a test."""
    with Sandbox(seed=7, speed=4.0, ping_interval=1.0, client_timeout=30.0, clock=clock) as running:
        yield running


@pytest.fixture
def token(sandbox) -> str:
    response = requests.post(
        sandbox.api_url + "/auth/token",
        json={"PartnerClientId": DEFAULT_PARTNER_ID, "Secret": DEFAULT_SECRET},
        timeout=5,
    )
    response.raise_for_status()
    return response.json()["token"]


@pytest.fixture
def theme(db):
    from widget.models import Theme

    return Theme.objects.create(name="Test theme", scheme="light")


@pytest.fixture
def widget(theme):
    from widget.models import Widget

    return Widget.objects.create(
        name="Test widget",
        game_types="3, 1",
        theme=theme,
        allowed_origins="https://partner.example\nhttp://localhost:8123",
    )


@pytest.fixture
def offered_names():
    """BETCORE's game types as the worker stores them (names:en), for the admin's game-type picker."""
    from asgiref.sync import async_to_sync

    from feed.store import get_store

    names = {"1": "Lucky Dice", "2": "Wheel of Fortune", "3": "Poker", "5": "Baccarat"}
    store = get_store()
    async_to_sync(store.set_many)({"names:en": names})
    yield names
    async_to_sync(store.set_many)({"names:en": {}})


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of the test's own on a free port: one the test may stop (never the shared 6379)."""
    from tests.processes import OwnRedis

    server = OwnRedis(tmp_path)
    yield server
    server.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test's own processes show the end of their logs in its report (CI keeps nothing else)."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    logdir = getattr(item.funcargs.get("cluster"), "logdir", None)
    for log in sorted(logdir.glob("*.log")) if logdir else ():
        lines = log.read_text(errors="replace").splitlines()
        report.sections.append((f"{log.name} (last 40 lines)", "\n".join(lines[-40:])))


@pytest.fixture
def cluster(request, tmp_path):
    """Sandbox, a fresh database and Redis for the test's own workers and web processes.

    ``@pytest.mark.cluster(...)`` passes Cluster's options (``database="sqlite"``, ``env={...}``);
    ``own_redis=True`` puts it on the test's own Redis (``own_redis`` fixture), for tests that stop it
    or read its keys.
    """
    from tests.processes import Cluster

    marker = request.node.get_closest_marker("cluster")
    options = dict(marker.kwargs) if marker else {}
    if options.pop("own_redis", False):
        options["redis_url"] = request.getfixturevalue("own_redis").url
    running = Cluster(tmp_path, **options)
    yield running
    running.close()


@pytest.fixture(scope="module")
def app(request, tmp_path_factory):
    """`manage.py serve` as a user runs it: sandbox, worker and daphne in one process, one per test module.

    A module sets ``SERVE_ENV`` (extra environment, e.g. ``{"SANDBOX_SPEED": "4"}``) and
    ``prepare_app(running) -> running`` (its own widgets, settings, keys) to make it its own.
    """
    from tests.served_app import served_app

    env = getattr(request.module, "SERVE_ENV", {})
    prepare = getattr(request.module, "prepare_app", lambda running: running)
    with served_app(tmp_path_factory.mktemp("serve"), **env) as running:
        yield prepare(running)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    from tests.served_app import ARTIFACTS, launch_chromium

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        launched = launch_chromium(playwright)
        yield launched
        launched.close()
