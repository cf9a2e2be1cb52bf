"""The widget's write paths under the real daphne: direct on plain TCP, daphne's own send under TLS."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from websockets.asyncio.client import connect

from tests.frames import messages_in
from tests.live import insecure_tls, scrape, wait_live
from tests.processes import self_signed_certificate
from widget.daphne_fastpath import self_test

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.cluster(database="sqlite")]


def test_the_installed_daphne_twisted_and_autobahn_pass_the_start_up_self_test():
    result = self_test()
    assert result.ok, result.reason
    assert "daphne" in result.versions and "twisted" in result.versions


async def stream(url: str, origin: str, seconds: float, **options) -> list[dict]:
    messages = []
    async with connect(url, origin=origin, **options) as socket:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            frame = await asyncio.wait_for(socket.recv(), max(0.1, deadline - time.monotonic() + 5))
            messages.extend(messages_in(frame))
        assert socket.close_code is None, "the socket stays open"
    return messages


async def test_plain_tcp_takes_the_direct_path(cluster):
    cluster.worker("worker")
    _, port = cluster.web("web")
    await wait_live(cluster)
    base = f"127.0.0.1:{port}"
    messages = await stream(f"ws://{base}/ws/w/{cluster.widget_id}/", f"http://{base}", 5)
    assert messages[0]["type"] == "snapshot" and any(m["type"] == "game" for m in messages[1:])
    async with connect(f"ws://{base}/ws/w/{cluster.widget_id}/", origin=f"http://{base}") as socket:
        await socket.recv()  # the snapshot: the socket was accepted and its path counted before it
        figures = scrape(port)
    assert figures['feed_widget_fastpath{mode="direct"}'] == 1
    assert figures.get('feed_widget_fastpath{mode="fallback"}', 0) == 0


async def test_daphne_serving_tls_streams_snapshot_and_updates_for_30_s(cluster, tmp_path):
    cluster.worker("worker")
    web, port = cluster.web("web-tls", tls=self_signed_certificate(tmp_path))
    await wait_live(cluster)
    base = f"127.0.0.1:{port}"
    messages = await stream(f"wss://{base}/ws/w/{cluster.widget_id}/", f"https://{base}", 30, ssl=insecure_tls())
    kinds = [m["type"] for m in messages]
    assert kinds[0] == "snapshot"
    assert kinds.count("game") >= 20, f"updates keep coming over TLS: {kinds.count('game')}"
    figures = scrape(port, tls=True)
    assert figures["feed_widget_messages_sent_total"] >= kinds.count("game")
    assert "widget sockets: fallback writes (BufferingTLSTransport transport" in web.output()
    json.dumps(messages)  # whole, decodable messages


async def test_a_ping_flood_closes_the_socket_as_too_chatty(cluster):
    cluster.worker("worker")
    _, port = cluster.web("web")
    await wait_live(cluster)
    base = f"127.0.0.1:{port}"
    async with connect(f"ws://{base}/ws/w/{cluster.widget_id}/", origin=f"http://{base}") as socket:
        await socket.recv()  # the snapshot
        for _ in range(10):  # within the burst: answered
            await asyncio.wait_for(await socket.ping(), 5)
        for _ in range(40):
            await socket.ping()
        await asyncio.wait_for(socket.wait_closed(), 10)
        assert socket.close_code == 4429
