"""Protections that cannot be silently lost: whatever wraps the application, wherever clients connect from.

The widget socket's limits hold behind a pass-through middleware; a server that does not
hand the connection over is reported at ERROR and in the metrics; client addresses come
from trusted proxies only; the login throttle counts across web processes and restarts.
"""

from __future__ import annotations

import asyncio
import http.client
import re

import pytest
import requests
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from feed.protocol.close_codes import CloseCode
from feedsite.client_address import forwarded_client
from feedsite.env import Env
from tests.live import StalledViewer, keep_stalled, scrape, wait_live
from tests.processes import Cluster
from widget.socket_limits import MAX_BACKLOG_BYTES

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.cluster(database="sqlite")]

LOOPBACK = Env({"P": "127.0.0.1/32,::1/128"}).networks("P", [])


@pytest.mark.parametrize(
    ("peer", "headers", "client"),
    [
        ("10.0.0.7", ["127.0.0.1"], "10.0.0.7"),  # an untrusted peer's header is ignored
        ("127.0.0.1", ["203.0.113.9"], "203.0.113.9"),  # the proxy says who it forwards for
        ("127.0.0.1", ["198.51.100.1, 203.0.113.9"], "203.0.113.9"),  # the hop the proxy saw, not the client's claim
        ("127.0.0.1", ["203.0.113.9, 127.0.0.1"], "203.0.113.9"),  # trusted hops are skipped from the right
        ("127.0.0.1", ["not-an-address"], "unknown"),  # malformed: neither it nor the proxy's own address
        ("127.0.0.1", ["unknown, 203.0.113.9"], "203.0.113.9"),  # the hop the proxy saw is fine
        ("127.0.0.1", [], "127.0.0.1"),  # no header: a request made on the proxy's machine
        ("127.0.0.1", ["127.0.0.1"], "127.0.0.1"),  # nginx forwarding a local client
        ("::ffff:127.0.0.1", ["203.0.113.9"], "203.0.113.9"),  # a dual-stack listener's view of IPv4
        ("::ffff:10.0.0.7", [], "10.0.0.7"),
        ("127.0.0.1", ["[2001:db8::1]:443"], "2001:db8::1"),
        ("127.0.0.1", ["203.0.113.9:5000"], "203.0.113.9"),
    ],
)
def test_the_client_address_comes_from_trusted_proxies_only(peer, headers, client):
    assert forwarded_client(peer, headers, LOOPBACK) == client


@pytest.fixture
def fed(cluster):
    """The shared ``cluster`` (SQLite) with its feed worker running."""
    cluster.worker("worker")
    return cluster


async def test_a_widget_route_behind_a_pass_through_middleware_keeps_every_limit(fed):
    web, port = fed.web("web", application="tests.wrapped_asgi:application")
    await wait_live(fed)
    base = f"127.0.0.1:{port}"
    # A ping flood is closed as too chatty.
    async with connect(f"ws://{base}/ws/w/{fed.widget_id}/", origin=f"http://{base}") as socket:
        await socket.recv()
        for _ in range(50):
            await socket.ping()
        await asyncio.wait_for(socket.wait_closed(), 10)
        assert socket.close_code == CloseCode.TOO_CHATTY
    # Viewers that stop reading are held to the backlog cap while asking for snapshots.
    viewers = [StalledViewer(port, fed.widget_id) for _ in range(3)]
    # Until the cap has dropped updates for them, and held there while they keep asking.
    peak = (await keep_stalled(viewers, port)).queued
    figures = scrape(port)
    print(f"behind a pass-through middleware: 3 stalled viewers queued at most {peak / 1024:.0f} KB in all")
    assert figures['feed_widget_fastpath{mode="direct"}'] == len(viewers)
    assert figures.get('feed_widget_fastpath{mode="unprotected"}', 0) == 0
    assert figures["feed_widget_messages_dropped_total"] > 0
    assert peak <= len(viewers) * (MAX_BACKLOG_BYTES + 16 * 1024)
    assert "without flow control" not in web.output()
    for viewer in viewers:
        viewer.sock.close()


async def test_a_server_that_does_not_hand_over_the_connection_is_reported_once_at_error(fed):
    web, port = fed.web("plain-daphne", server="daphne")
    await wait_live(fed)
    base = f"127.0.0.1:{port}"
    for _ in range(2):
        async with connect(f"ws://{base}/ws/w/{fed.widget_id}/", origin=f"http://{base}") as socket:
            await socket.recv()
            figures = scrape(port)
        # Counted while open (the previous socket's close may still be on its way: at least one).
        assert figures['feed_widget_fastpath{mode="unprotected"}'] >= 1
        assert figures.get('feed_widget_fastpath{mode="direct"}', 0) == 0
    assert len(re.findall(r"ERROR widget.fastpath: widget sockets without flow control", web.output())) == 1


def get_from(source: str, port: int, path: str, forwarded_for: str | None = None) -> int:
    """GET ``path`` from the local address ``source`` (loopback has all of 127/8)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    connection.request("GET", path, headers={"X-Forwarded-For": forwarded_for} if forwarded_for else {})
    status = connection.getresponse().status
    connection.close()
    return status


async def test_forwarded_addresses_open_nothing_unless_a_trusted_proxy_sends_them(fed):
    _, port = fed.web(
        "web", OPS_ALLOWED_NETWORKS="127.0.0.1/32", TRUSTED_PROXIES="127.0.0.1/32", WIDGET_SOCKETS_PER_CLIENT="3"
    )
    await wait_live(fed)
    assert get_from("127.0.0.1", port, "/metrics") == 200
    assert get_from("127.0.0.2", port, "/metrics", forwarded_for="127.0.0.1") == 403, "a client cannot claim loopback"
    assert get_from("127.0.0.1", port, "/metrics", forwarded_for="203.0.113.9") == 403, "the proxy's client is outside"
    # Rotating the header does not get one address past its socket cap.
    base, held = f"127.0.0.1:{port}", []
    for index in range(3):
        socket = await connect(
            f"ws://{base}/ws/w/{fed.widget_id}/",
            origin=f"http://{base}",
            additional_headers={"X-Forwarded-For": f"198.51.100.{index}"},
            local_addr=("127.0.0.2", 0),
        )
        await socket.recv()
        held.append(socket)
    async with connect(
        f"ws://{base}/ws/w/{fed.widget_id}/",
        origin=f"http://{base}",
        additional_headers={"X-Forwarded-For": "198.51.100.200"},
        local_addr=("127.0.0.2", 0),
    ) as refused:
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(refused.recv(), 10)
        assert refused.close_code == CloseCode.TOO_MANY
    for socket in held:
        await socket.close()


def failed_login(session: requests.Session, base: str, username: str, password: str) -> requests.Response:
    page = session.get(f"{base}/admin/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token is not None
    return session.post(
        f"{base}/admin/login/?next=/admin/",
        data={"csrfmiddlewaretoken": token.group(1), "username": username, "password": password},
        headers={"Referer": f"{base}/admin/login/"},
        timeout=10,
        allow_redirects=False,
    )


def test_the_login_throttle_counts_across_web_processes_and_restarts(tmp_path):
    cluster = Cluster(tmp_path)  # PostgreSQL and Redis, as in production
    try:
        cluster.manage(
            "shell",
            "-c",
            "from django.contrib.auth.models import User; "
            "User.objects.create_superuser('partner-admin', 'a@example.com', 'correct horse battery')",
        )
        web1, port1 = cluster.web("web1")
        _, port2 = cluster.web("web2")
        one, two = f"http://127.0.0.1:{port1}", f"http://127.0.0.1:{port2}"
        assert failed_login(requests.Session(), two, "partner-admin", "correct horse battery").status_code == 302
        for _ in range(5):  # five wrong guesses on the first process
            assert failed_login(requests.Session(), one, "partner-admin", "wrong").status_code == 200
        # Locked on the other process too, the right password included...
        assert failed_login(requests.Session(), two, "partner-admin", "correct horse battery").status_code == 200
        # ...and after the first process restarts.
        web1.stop()
        _, port3 = cluster.web("web1-again")
        three = f"http://127.0.0.1:{port3}"
        assert failed_login(requests.Session(), three, "partner-admin", "correct horse battery").status_code == 200
    finally:
        cluster.close()
