"""The shipped production front: nginx (Debian's) with deploy/nginx, two daphne from deploy/Procfile."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.front import NGINX, Front
from tests.live import insecure_tls, wait_live
from tests.processes import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.services]

SOCKETS_PER_CLIENT = 20  # deploy/nginx/betcore-widget.conf: limit_conn betcore_sockets 20
# New sockets one address may open a second there (limit_req zone=betcore_socket_opens). A test that
# opens no faster keeps that limit out of the way, so a refusal it sees is the socket cap's.
OPENS_PER_SECOND = int(
    re.search(
        r"zone=betcore_socket_opens:\S+ rate=(\d+)r/s", (ROOT / "deploy/nginx/betcore-widget.conf").read_text()
    ).group(1)
)


@pytest.fixture
def front(tmp_path):
    if not Path(NGINX).exists():
        pytest.fail("Debian's nginx is needed: apt-get install nginx (.ci/run installs it)")
    running = Front(tmp_path, WIDGET_SOCKETS_PER_CLIENT="20")
    asyncio.run(wait_live(running.cluster))
    yield {"cluster": running.cluster, "base": running.base, "port": running.port}
    running.close()


class PacedOpener:
    """Opens sockets from one address no faster than nginx's rate allows: the rate window is real
    time in nginx (its leaky bucket drains by the clock), so here waiting is what is asked for."""

    def __init__(self, front: dict) -> None:
        self.front = front
        self.last = 0.0

    async def open(self):
        await asyncio.sleep(max(0.0, self.last + 1.05 / OPENS_PER_SECOND - time.monotonic()))  # 5 % margin
        self.last = time.monotonic()
        return await open_socket(self.front)


async def open_socket(front: dict, source: str = "127.0.0.1"):
    url = f"wss://127.0.0.1:{front['port']}/ws/w/{front['cluster'].widget_id}/"
    return await connect(url, origin=f"https://127.0.0.1:{front['port']}", ssl=insecure_tls(), local_addr=(source, 0))


def test_widget_page_and_socket_over_https_and_the_per_client_socket_cap(front):
    page = requests.get(f"{front['base']}/w/{front['cluster'].widget_id}/", timeout=10, verify=False)
    assert page.status_code == 200 and "bw-root" in page.text, (page.status_code, page.text[:300])

    async def scenario() -> None:
        sockets = []
        opener = PacedOpener(front)
        try:
            for _ in range(SOCKETS_PER_CLIENT):
                sockets.append(await opener.open())
            assert json.loads(await sockets[0].recv())["type"] == "snapshot"
            with pytest.raises(InvalidStatus) as refused:
                await opener.open()
            assert refused.value.response.status_code == 429, "the 21st socket from one address is refused"
            other = await open_socket(front, source="127.0.0.2")  # another client address is unaffected
            assert json.loads(await other.recv())["type"] == "snapshot"
            await other.close()
            await sockets.pop().close()  # returns once the closing handshake is done: nginx has let go
            again = await opener.open()
            assert json.loads(await again.recv())["type"] == "snapshot"
            sockets.append(again)
        finally:
            await asyncio.gather(*(opened.close() for opened in sockets))  # each close waits for its handshake

    asyncio.run(scenario())


def test_slow_headers_are_cut_and_operator_endpoints_are_for_allowed_networks_only(front):
    started = time.monotonic()
    raw = socket.create_connection(("127.0.0.1", front["port"]))
    slow = insecure_tls().wrap_socket(raw, server_hostname="127.0.0.1")
    slow.sendall(b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the end of the headers
    slow.settimeout(20)
    try:
        closed = slow.recv(1024)
    except (ConnectionResetError, ssl.SSLError):
        closed = b""
    elapsed = time.monotonic() - started
    assert 8 <= elapsed <= 15, f"closed after {elapsed:.1f} s (client_header_timeout 10s)"
    assert closed == b"" or closed.startswith(b"HTTP/1.1 408")
    slow.close()

    assert requests.get(front["base"] + "/metrics", timeout=5, verify=False).status_code == 200
    outsider = requests.Session()
    outsider.mount("https://", SourceAddressAdapter("127.0.0.2"))
    for path in ("/metrics", "/readyz"):
        assert outsider.get(front["base"] + path, timeout=5, verify=False).status_code == 403
    assert outsider.get(front["base"] + "/livez", timeout=5, verify=False).status_code == 200


class SourceAddressAdapter(requests.adapters.HTTPAdapter):
    """Connect from a given local address (another client on this machine's loopback)."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        return super().init_poolmanager(*args, **kwargs)


def test_procfile_and_units_name_the_web_server_with_options_it_accepts():
    procfile = (ROOT / "deploy" / "Procfile").read_text()
    assert re.search(r"^release: python manage.py migrate --noinput && python manage.py collectstatic", procfile, re.M)
    web_lines = re.findall(r"^web\d: (.*)$", procfile, re.M)
    unit = (ROOT / "deploy" / "systemd" / "betcore-web@.service").read_text()
    web_lines += re.findall(r"^ExecStart=(.*)$", unit, re.M)
    assert len(web_lines) == 3
    # The web server's own option parser accepts every option the shipped lines use.
    help_text = subprocess.run(
        [sys.executable, "-m", "feedsite.webserver", "--help"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    for line in web_lines:
        args = shlex.split(line)
        assert args[1:3] == ["-m", "feedsite.webserver"], line
        assert "--proxy-headers" not in args, "client addresses come from TRUSTED_PROXIES only"
        assert args[args.index("-b") + 1] == "127.0.0.1", "only the proxy on this machine reaches daphne"
        for option in (arg for arg in args if arg.startswith("--")):
            assert option in help_text, option
