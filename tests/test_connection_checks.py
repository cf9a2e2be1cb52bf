"""daphne's checks without a walk over every connection: pings, lifetimes and reaping still happen."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest
from websockets.asyncio.client import connect

from tests.live import StalledViewer, scrape
from tests.processes import Cluster
from tests.waiting import until

pytestmark = pytest.mark.services

PING, CLOSE = 0x9, 0x8
RESET = -1  # not an opcode: the connection was reset


def frames_for(viewer: StalledViewer, seconds: float) -> list[tuple[float, int]]:
    """(seconds since the call, opcode) of every server frame read within ``seconds``."""
    viewer.sock.settimeout(0.1)
    started = time.monotonic()
    frames: list[tuple[float, int]] = []
    while time.monotonic() - started < seconds:
        try:
            data = viewer.sock.recv(1 << 16)
        except TimeoutError:
            continue
        except ConnectionResetError:
            frames.append((time.monotonic() - started, RESET))
            break
        if not data:
            break  # the server closed the connection
        viewer.buffer += data
        at = time.monotonic() - started
        frames += [(at, first_byte & 0x0F) for first_byte, _ in viewer.whole_frames()]
    return frames


def test_an_idle_socket_is_pinged_at_the_interval_and_closed_at_the_end_of_its_lifetime(cluster: Cluster) -> None:
    _, port = cluster.web("web", options=("--ping-interval", "1", "--websocket_timeout", "7"))
    viewer = StalledViewer(port, cluster.widget_id)  # sends nothing: no frame of its own delays a ping
    frames = frames_for(viewer, 12)
    pings = [at for at, opcode in frames if opcode == PING]
    closes = [at for at, opcode in frames if opcode == CLOSE]
    assert len(pings) >= 2, f"pinged every pass once the interval is over: {frames}"
    assert all(later - earlier > 1 for earlier, later in itertools.pairwise(pings))
    assert closes and 5 <= closes[0] <= 10, f"closed when its 7 s lifetime was over: {frames}"


async def test_closed_sockets_and_finished_applications_leave_the_connection_table(cluster: Cluster) -> None:
    cluster.worker("worker")
    _, port = cluster.web("web")
    origin = f"http://127.0.0.1:{port}"

    async def visit(widget_id: str) -> None:
        async with connect(f"ws://127.0.0.1:{port}/ws/w/{widget_id}/", origin=origin) as socket:
            await asyncio.wait_for(socket.recv(), 10)  # a snapshot, or the close of an unknown widget

    stay = await connect(f"ws://127.0.0.1:{port}/ws/w/{cluster.widget_id}/", origin=origin)
    # Known widgets (the client closes) and unknown ones (the application closes and finishes first).
    results = await asyncio.gather(
        *(visit(cluster.widget_id if i % 2 else "no-such-widget") for i in range(40)), return_exceptions=True
    )
    assert sum(isinstance(result, Exception) for result in results) == 20, "each unknown id closed by the server"

    def drained() -> bool:
        # The scrape's own request is a connection while it is answered, and the one before
        # it may wait for the next reaping pass: nothing else stays.
        figures = scrape(port)
        return figures["feed_web_connections"] <= 2 and figures["feed_web_connections_reaping"] <= 1

    await until(drained, 10, "daphne's table back to the open socket and the scrape")
    await asyncio.wait_for(stay.recv(), 10)  # the one that stayed is still served
    await stay.close()


class FailingRequest:
    """Like daphne's HTTP request: answering an application's exception (a 500) finishes the
    request, which tells the server it disconnected, within ``handle_exception``."""

    def __init__(self, server) -> None:
        self.server = server

    def check_timeouts(self) -> None:
        pass

    def handle_exception(self, exception: BaseException) -> None:
        self.server.protocol_disconnected(self)


async def test_a_request_whose_application_failed_is_reaped_at_the_next_pass(caplog, monkeypatch) -> None:
    from feedsite import connection_checks
    from feedsite.webserver import ConnectionServer

    monkeypatch.setattr(connection_checks.reactor, "callLater", lambda *args: None)  # the test runs the passes
    server = ConnectionServer(application=None, endpoints=["tcp:port=0:interface=127.0.0.1"])  # never listens
    server.connections = {}  # what run() starts with
    request = FailingRequest(server)
    server.protocol_connected(request)

    async def failing_application() -> None:
        raise ValueError("raised outside Django's own error handling")

    future = server.connections[request]["application_instance"] = asyncio.ensure_future(failing_application())
    server.watch_application(request, future)
    await asyncio.sleep(0)  # the application runs and fails
    await asyncio.sleep(0)  # its done callback runs
    server.application_checker()  # logs the exception and answers it: the request is finished
    assert "Exception inside application" in caplog.text
    server.application_checker()
    assert request not in server.connections, "reaped, as daphne's walk over every connection would"
    assert not server.needs_reaping
