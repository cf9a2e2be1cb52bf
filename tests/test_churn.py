"""Busy traffic against one real web process (PostgreSQL, Redis): nothing leaks, nothing grows.

Page views (a third to ids that do not exist) and short-lived widget sockets (half to
ids that do not exist), as a popular partner page and a scanner produce them. The web
process must never hold more PostgreSQL connections than its pool, answer every request,
and once the sockets are gone hold no more memory, consumers or cache entries than the
sockets still open justify.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import string
import threading
from concurrent.futures import ThreadPoolExecutor

import psutil
import psycopg
import pytest
import requests
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.frames import messages_in
from tests.live import scrape, wait_live
from tests.processes import POSTGRES_ADMIN, Cluster
from tests.waiting import until

pytestmark = [pytest.mark.slow, pytest.mark.services]

POOL_SIZE = 4
PAGE_VIEWS = 3000
# CI-sized by default; CHURN_SOCKETS=20000 for the full figure the README quotes.
SOCKETS = int(os.environ.get("CHURN_SOCKETS", "3000"))


def made_up_id() -> str:
    return "".join(random.choices(string.ascii_letters + string.digits, k=16))


def web_connections(cluster: Cluster) -> int:
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = 'churn-web'",
            (cluster.db_name,),
        ).fetchone()
    return int(row[0]) if row else 0


async def drain(socket) -> None:
    async for _ in socket:
        pass


@pytest.fixture
def busy(tmp_path):
    cluster = Cluster(tmp_path, env={"DATABASE_POOL_SIZE": str(POOL_SIZE)})
    try:
        cluster.worker("worker")
        web_url = cluster.database_url + "?application_name=churn-web"
        cluster.database_url, worker_url = web_url, cluster.database_url
        web, port = cluster.web("web")
        cluster.database_url = worker_url
        asyncio.run(wait_live(cluster))
        yield cluster, web, port
    finally:
        cluster.close()


def test_page_views_and_short_lived_sockets_leave_nothing_behind(busy):
    cluster, web, port = busy
    base = f"http://127.0.0.1:{port}"

    # Page views from 30 threads, the database connections sampled all the while.
    peak, stop_sampling = 0, threading.Event()

    def sample() -> None:  # a reading every 50 ms until told to stop (the Event ends it at once)
        nonlocal peak
        while not stop_sampling.wait(0.05):
            peak = max(peak, web_connections(cluster))

    sampler = threading.Thread(target=sample)
    sampler.start()
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=30))
    ids = [made_up_id() if i % 3 == 0 else cluster.widget_id for i in range(PAGE_VIEWS)]
    with ThreadPoolExecutor(30) as pool:
        statuses = list(pool.map(lambda wid: session.get(f"{base}/w/{wid}/", timeout=30).status_code, ids))
    stop_sampling.set()
    sampler.join()
    counts = {status: statuses.count(status) for status in set(statuses)}
    print(f"{PAGE_VIEWS} page views: {counts}; PostgreSQL connections of the web process at most {peak}")
    assert counts == {200: PAGE_VIEWS - PAGE_VIEWS // 3, 404: PAGE_VIEWS // 3}, "every view answered, none 503"
    assert 1 <= peak <= POOL_SIZE
    assert web_connections(cluster) <= POOL_SIZE, "nothing stranded after the burst"

    # Short-lived sockets, half to unknown ids, five viewers staying open throughout.
    process = psutil.Process(web.process.pid)
    print(f"after the page views the web process holds {process.memory_info().rss / 2**20:.0f} MB")
    origin = base

    outcomes: list[str] = []

    async def churn() -> tuple[float, float, dict[str, float]]:
        async def visit(widget_id: str) -> None:
            """Record what the socket got: "snapshot", "closed 4404", or the failure."""
            try:
                async with connect(f"ws://127.0.0.1:{port}/ws/w/{widget_id}/", origin=origin) as socket:
                    try:
                        # Updates may come just before the snapshot (the socket joins its groups
                        # first, so that nothing falls between the snapshot and the updates).
                        kinds: list[str] = []
                        while "snapshot" not in kinds:
                            kinds += [
                                message["type"] for message in messages_in(await asyncio.wait_for(socket.recv(), 10))
                            ]
                        outcomes.append(f"{widget_id == cluster.widget_id} snapshot")
                    except ConnectionClosed as closed:
                        code = closed.rcvd.code if closed.rcvd else "abruptly"
                        outcomes.append(f"{widget_id == cluster.widget_id} closed {code}")
            except Exception as error:
                outcomes.append(f"{widget_id}: {error!r}")

        stay = [await connect(f"ws://127.0.0.1:{port}/ws/w/{cluster.widget_id}/", origin=origin) for _ in range(5)]
        for socket in stay:
            await socket.recv()
        # Viewers that stay read everything (a client that stops reading stops answering pings too).
        readers = [asyncio.create_task(drain(socket)) for socket in stay]

        async def wave(count: int) -> None:
            for start in range(0, count, 50):
                ids = [made_up_id() if i % 2 else cluster.widget_id for i in range(start, min(count, start + 50))]
                await asyncio.gather(*(visit(wid) for wid in ids))

        await wave(500)  # warm-up: first-use allocations are not growth
        before = process.memory_info().rss
        await wave(SOCKETS)
        # The last closes reach the server a moment after the clients are done.
        with contextlib.suppress(TimeoutError):  # the assertions below say what was left
            await until(lambda: scrape(port)["feed_widget_consumers_alive"] <= len(stay), 10, "the closes counted")
        # daphne let go of the closed connections: its table holds the open sockets, this
        # scrape and at most the one before it, not reaped yet.
        await until(
            lambda: scrape(port)["feed_web_connections"] <= len(stay) + 2, 10, "daphne's table back to the open sockets"
        )
        figures = scrape(port)
        after = process.memory_info().rss
        for socket in stay:
            await socket.close()
        await asyncio.gather(*readers)
        return before, after, figures

    before, after, figures = asyncio.run(churn())
    growth = (after - before) / 2**20
    print(
        f"{SOCKETS} short-lived sockets: RSS {before / 2**20:.0f} -> {after / 2**20:.0f} MB ({growth:+.1f}); "
        f"consumers alive {figures['feed_widget_consumers_alive']:.0f}; daphne connections "
        f"{figures['feed_web_connections']:.0f}; cache entries "
        f"{figures['feed_widget_cache_entries']:.0f}"
    )
    counted = {outcome: outcomes.count(outcome) for outcome in set(outcomes)}
    print(f"socket outcomes (known id?, what it got): {counted}")
    assert counted == {"True snapshot": (SOCKETS + 500) // 2, "False closed 4404": (SOCKETS + 500) // 2}, (
        "a known widget's socket gets its snapshot, an unknown one its close code: nothing else"
    )
    assert figures["feed_widget_consumers_alive"] == 5, "closed sockets' consumers are freed"
    assert figures["feed_widget_sockets"] == 5
    assert figures["feed_widget_cache_entries"] <= 300, "made-up ids are not kept"
    assert growth < 30
    assert web_connections(cluster) <= POOL_SIZE
