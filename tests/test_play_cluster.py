"""Taps and viewers from two web processes on Redis (and PostgreSQL) reach the admin's charts,
each in its own five-minute bucket, across a restart of one of the processes."""

from __future__ import annotations

import json
import time

import pytest
from websockets.sync.client import connect

from tests.processes import Cluster
from tests.served_app import launch_chromium
from tests.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.browser]

PASSWORD = "play-admin-pw-0123"
CREATE_ADMIN = (
    f"from django.contrib.auth.models import User; User.objects.create_superuser('partner', 'p@e.com', '{PASSWORD}')"
)
BUCKET = 300


def viewer(port: int, widget_id: str):
    socket = connect(f"ws://127.0.0.1:{port}/ws/w/{widget_id}/", origin=f"http://127.0.0.1:{port}")
    assert json.loads(socket.recv(timeout=10))["type"] == "snapshot"
    return socket


def tap(socket, game_type: int, taps: list[tuple[float, int]] | None) -> None:
    # Not within a second of a bucket's end: the server's clock and ours may differ by a few ms.
    wait_until(lambda: time.time() % BUCKET <= BUCKET - 1, timeout=2, what="out of a bucket's last second")
    socket.send(json.dumps({"type": "tap", "t": game_type}))
    if taps is not None:
        taps.append((time.time(), game_type))


def stored(cluster: Cluster, widget_id: str) -> dict[int, dict[str, int]]:
    """Every bucket of the widget in Redis: start -> {field: value}."""
    found = {}
    for key in cluster.redis.scan_iter(match=f"betcore-feed:audience:{widget_id}:*"):
        start = int(key.decode().rsplit(":", 1)[1])
        found[start] = {name.decode(): int(value) for name, value in cluster.redis.hgetall(key).items()}
    return found


@pytest.mark.cluster(own_redis=True)  # our own Redis: the test reads and waits on its keys
def test_taps_from_two_processes_reach_the_admin_charts_in_their_buckets_across_a_restart(cluster):
    cluster.manage("shell", "-c", CREATE_ADMIN)
    cluster.worker("worker")
    first, port_a = cluster.web("web-a")
    _, port_b = cluster.web("web-b")
    widget_id = cluster.widget_id
    taps: list[tuple[float, int]] = []
    with viewer(port_a, widget_id) as a, viewer(port_b, widget_id) as b:
        tap(a, 3, taps)
        tap(a, 3, None)  # the same socket and game within the minute: not counted
        tap(b, 3, taps)
        tap(b, 1, taps)
        tap(b, 7, None)  # a game type this widget does not show
        # Both viewers open across a 30 s sample: one slot holds both processes' viewers.
        wait_until(
            lambda: any(v == 2 for b in stored(cluster, widget_id).values() for k, v in b.items() if k[0] == "v"),
            75,  # a process samples from the slot after the one it started in
            "a sample of two viewers",
        )
    first.stop()
    cluster.web("web-a-again", port=port_a)
    with viewer(port_a, widget_id) as again:
        tap(again, 3, taps)  # a new socket after the restart: counted, added to the same buckets
        wait_until(
            lambda: sum(v for b in stored(cluster, widget_id).values() for k, v in b.items() if k[0] == "t") == 4,
            15,
            "four taps stored",
        )
    expected: dict[int, dict[str, int]] = {}
    for at, game_type in taps:
        fields = expected.setdefault(int(at // BUCKET) * BUCKET, {})
        fields[f"t{game_type}"] = fields.get(f"t{game_type}", 0) + 1
    found = {
        start: {k: v for k, v in fields.items() if k[0] == "t"} for start, fields in stored(cluster, widget_id).items()
    }
    assert {start: fields for start, fields in found.items() if fields} == expected

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        base = f"http://127.0.0.1:{port_b}"
        page.goto(base + "/admin/login/")
        page.fill("#id_username", "partner")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_selector("#site-name")
        page.goto(base + "/admin/widget/widget/")
        taps_today = page.locator("td.field-taps_today").first.text_content()
        page.locator("th.field-name a").first.click()
        page.wait_for_selector(".bw-audience")
        day, fortnight = page.locator(".bw-audience-period").all()[:2]
        summary = day.locator(".bw-audience-taps").text_content()
        by_game = day.locator(".bw-audience-games").text_content()
        charts = day.locator("svg.bw-chart").count() + fortnight.locator("svg.bw-chart").count()
        bars = day.locator('[data-chart="taps"] rect').count()
        peak = day.locator(".bw-audience-summary strong").first.text_content()
        fortnight_taps = fortnight.locator(".bw-audience-taps").text_content()
        browser.close()
    assert taps_today == "4" and summary == "4" and fortnight_taps == "4"
    assert "1: 1" in by_game and "3: 3" in by_game
    assert charts == 6 and bars == len(expected)  # one bar per five minutes that had taps
    assert peak == "2"
