"""Faults survived: the hub refusing, huge frames, Redis restarts, web restarts, stalled viewers, database loss."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from types import SimpleNamespace

import psutil
import psycopg
import pytest
import requests
from websockets.asyncio.client import connect

from sandbox import Sandbox
from sandbox.server import DEFAULT_API_BASE, DEFAULT_HUB_PATH
from tests.frames import messages_in
from tests.live import StalledViewer, keep_stalled, read_until, scrape, wait_live
from tests.processes import POSTGRES_ADMIN, Cluster, OwnRedis, Proc, free_port, self_signed_certificate
from tests.running_worker import RunningWorker
from tests.waiting import until, wait_until

pytestmark = pytest.mark.slow


async def test_the_hub_refusing_for_20_s_shows_reconnecting_keeps_data_and_recovers():
    with Sandbox(seed=4, speed=4.0, ping_interval=1.0) as sandbox:
        async with RunningWorker(sandbox, reconnect_max=2.0) as running:
            await running.receive(lambda m: m["type"] == "status" and m["state"] == "live")
            kept = dict(await running.store.get_many(["game:3"]))
            await asyncio.to_thread(sandbox.refuse_connections, 20.0)
            await asyncio.to_thread(sandbox.drop_connections)
            status = await running.receive(lambda m: m["type"] == "status" and m["state"] != "live", timeout=5)
            assert status["state"] == "reconnecting"
            # Refused attempts prove time in the outage has passed (backoff up to 2 s each).
            stats = running.worker.hub.stats
            attempts = stats.reconnects
            await until(lambda: stats.reconnects >= attempts + 3, 15, "three refused reconnects")
            assert (await running.store.get_many(["game:3"])) == kept  # viewers keep the last data
            live = await running.receive(lambda m: m["type"] == "status" and m["state"] == "live", timeout=30)
            assert live["since"] / 1000 - time.time() < 1
            assert await running.receive(lambda m: m["type"] == "game", timeout=10)


async def test_a_5_mb_frame_is_refused_without_exhausting_memory(tmp_path):
    # The sandbox runs in its own process, so this process's resident memory is the worker's.
    port = free_port()
    sandbox = Proc(
        "sandbox",
        [
            sys.executable,
            "-m",
            "sandbox",
            "--port",
            str(port),
            "--seed",
            "4",
            "--speed",
            "4",
            "--ping-interval",
            "1",
        ],
        dict(os.environ),
        tmp_path,
    )
    try:
        sandbox.wait_for_output("controls:")
        base = f"http://127.0.0.1:{port}"
        remote = SimpleNamespace(api_url=base + DEFAULT_API_BASE, hub_url=base + DEFAULT_HUB_PATH)
        async with RunningWorker(remote) as running:
            await running.receive(lambda m: m["type"] == "game")
            sessions = running.worker.hub.stats.sessions
            process = psutil.Process()
            before, peak = process.memory_info().rss, 0
            for _ in range(3):
                control = {"action": "oversized", "size": 5 * 1024 * 1024}
                await asyncio.to_thread(requests.post, base + "/_sandbox/control", json=control, timeout=10)
                await running.receive(lambda m: True, timeout=5)  # the worker is still handling pushes
                peak = max(peak, process.memory_info().rss)
            growth_mb = (peak - before) / 2**20
            stats = running.worker.hub.stats
            assert any("over the" in reason for reason in stats.bad_reasons)
            assert stats.sessions == sessions, "the connection survives"
            assert growth_mb < 60, f"the worker's memory grew by {growth_mb:.0f} MB for 15 MB of refused frames"
            last = running.worker.health.last_message_at
            await running.receive(lambda m: m["type"] == "game", timeout=5)
            assert running.worker.health.last_message_at > last
    finally:
        sandbox.stop()


@pytest.mark.services
@pytest.mark.cluster(own_redis=True)  # a Redis of its own: the test stops it
async def test_a_redis_restart_is_survived_by_worker_web_and_viewers(cluster: Cluster, own_redis: OwnRedis) -> None:
    worker = cluster.worker("worker")
    _, port = cluster.web("web")
    await wait_live(cluster)
    async with connect(f"ws://127.0.0.1:{port}/ws/w/{cluster.widget_id}/", origin=f"http://127.0.0.1:{port}") as socket:
        assert json.loads(await socket.recv())["type"] == "snapshot"
        await read_until(socket, lambda m: m["type"] == "game", 15)
        own_redis.stop()

        async def marked_reconnecting() -> bool:
            url = f"http://127.0.0.1:{port}/w/{cluster.widget_id}/"
            page = await asyncio.to_thread(requests.get, url, timeout=10)
            assert page.status_code == 200, "a viewer arriving meanwhile still gets the frame"
            return 'data-state="reconnecting"' in page.text

        # ... marked "reconnecting" as soon as the web process has noticed Redis is gone.
        await until(marked_reconnecting, 10, "the widget page marked reconnecting")
        own_redis.start()
        # Whatever was published while the web process resubscribed is lost; the gap in the
        # worker's sequence brings a snapshot without the viewer asking, then the changes flow again.
        snapshot = await read_until(socket, lambda m: m["type"] == "snapshot", 30)
        assert snapshot["games"]
        assert await read_until(socket, lambda m: m["type"] == "game", 20)
    # The restarted Redis had lost the feed lock: the worker took it again and kept its hub subscription.
    assert "feed lock lost" not in worker.output() and worker.output().count("subscribing") == 1


@pytest.mark.services
async def test_widgets_keep_streaming_when_postgresql_goes_away(cluster):
    cluster.worker("worker")
    _, port = cluster.web("web")
    await wait_live(cluster)
    url = f"ws://127.0.0.1:{port}/ws/w/{cluster.widget_id}/"
    async with connect(url, origin=f"http://127.0.0.1:{port}") as socket:
        await socket.recv()
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{cluster.db_name}" WITH (FORCE)')
        started = time.monotonic()
        games = 0
        while time.monotonic() - started < 8:
            frame = await asyncio.wait_for(socket.recv(), 8)
            games += sum(message["type"] == "game" for message in messages_in(frame))
        assert games >= 2, "the feed keeps streaming to connected widgets"
        page = await asyncio.to_thread(requests.get, f"http://127.0.0.1:{port}/w/{cluster.widget_id}/", timeout=10)
        assert page.status_code == 503 and page.headers["Refresh"] == "5", "a new viewer's iframe retries by itself"
        async with connect(url, origin=f"http://127.0.0.1:{port}") as newcomer:
            with pytest.raises(Exception) as closed:
                await asyncio.wait_for(newcomer.recv(), 10)
            assert getattr(closed.value, "rcvd", None) is not None and closed.value.rcvd.code == 4503


RECORD_OPENS = """
(() => {
  const Native = window.WebSocket;
  window.__opens = [];
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("open", () => window.__opens.push(Date.now()));
    }
  };
})();
"""


@pytest.mark.services
@pytest.mark.browser
def test_viewers_of_a_restarted_web_process_come_back_spread_out_within_10_s(cluster):
    from playwright.sync_api import sync_playwright

    from tests.served_app import launch_chromium

    cluster.worker("worker")
    web, port = cluster.web("web")
    asyncio.run(wait_live(cluster))
    viewers = 20
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport={"width": 360, "height": 640})
        context.add_init_script(RECORD_OPENS)
        pages = []
        for _ in range(viewers):
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/w/{cluster.widget_id}/")
            pages.append(page)
        for page in pages:
            page.locator('.bw-status[data-state="live"]').wait_for(timeout=10000)
        web.kill(signal.SIGKILL)
        # Every viewer has noticed and is in its backoff before the process comes back.
        for page in pages:
            page.locator('.bw-status[data-state="reconnecting"]').wait_for(timeout=5000)
        cluster.web("web-again", port=port)
        # From the moment the new process answers: how long daphne takes to start on a busy
        # machine is not the viewers' doing.
        restarted_at = time.time() * 1000
        reopened: list[float] = []
        with contextlib.suppress(TimeoutError):  # the assert below counts who did not come back
            wait_until(
                lambda: (
                    reopened.extend([page.evaluate("window.__opens[1] || 0") for page in pages])
                    or all(reopened[-viewers:])
                ),
                12,
            )
        reopened = reopened[-viewers:]
        assert all(reopened), f"{reopened.count(0)} of {viewers} viewers did not come back"
        assert max(reopened) - restarted_at < 10_000
        spread = max(reopened) - min(reopened)
        busiest = max(sum(1 for t in reopened if start <= t < start + 100) for start in reopened)
        assert spread > 500, f"reconnects all within {spread:.0f} ms"
        assert busiest < viewers / 2, f"{busiest} viewers reconnected within the same 100 ms"
        for page in pages:
            page.locator('.bw-status[data-state="live"]').wait_for(timeout=10000)
        browser.close()


@pytest.mark.services
@pytest.mark.parametrize("tls", [False, True], ids=["plain-tcp-direct-path", "daphne-tls-fallback-path"])
async def test_viewers_that_stop_reading_are_held_to_a_bounded_queue(cluster, tmp_path, tls):
    from widget.consumers import KERNEL_SEND_BUFFER, MAX_BACKLOG_BYTES

    cluster.worker("worker")
    web, port = cluster.web("web", tls=self_signed_certificate(tmp_path) if tls else None)
    await wait_live(cluster)
    process = psutil.Process(web.process.pid)
    viewers = [StalledViewer(port, cluster.widget_id, tls) for _ in range(10)]
    rss_before = process.memory_info().rss
    # Until updates are being dropped, then 5 s more of the same load: the queues must stay at the cap.
    peaks = await keep_stalled(viewers, port, tls)
    peak, kernel_peak = peaks.queued, peaks.kernel
    figures = scrape(port, tls)
    mode = "fallback" if tls else "direct"
    assert figures[f'feed_widget_fastpath{{mode="{mode}"}}'] == len(viewers)
    rss_growth = (process.memory_info().rss - rss_before) / 2**20
    print(
        f"stalled viewers ({mode} path): 10; queued in the web process at most {peak / 1024:.0f} KB in all; "
        f"kernel send queue at most {kernel_peak / 1024:.0f} KB per socket; "
        f"dropped {figures['feed_widget_messages_dropped_total']:.0f}; web RSS {rss_growth:+.1f} MB"
    )
    assert figures["feed_widget_messages_dropped_total"] > 0, "updates for stalled viewers are dropped"
    assert peak <= len(viewers) * (MAX_BACKLOG_BYTES + 16 * 1024), "the limit plus at most one frame each"
    assert kernel_peak <= 2 * KERNEL_SEND_BUFFER, "the kernel buffer is capped too"
    assert rss_growth < 20
    # A viewer that reads again gets whole frames in order, then a fresh snapshot and live updates.
    messages = viewers[0].read_messages(10)
    kinds = [message["type"] for message in messages]
    assert "snapshot" in kinds and "game" in kinds[kinds.index("snapshot") :]
    for viewer in viewers:
        viewer.sock.close()
