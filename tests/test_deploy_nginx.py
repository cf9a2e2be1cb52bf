"""The shipped production front: nginx (Debian's) with deploy/nginx, two daphne from deploy/Procfile."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import shutil
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

from tests.live import insecure_tls, wait_live
from tests.processes import ROOT, Cluster, free_port, self_signed_certificate, wait_until_answers

pytestmark = [pytest.mark.slow, pytest.mark.services]

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SOCKETS_PER_CLIENT = 20  # deploy/nginx/betcore-widget.conf: limit_conn betcore_sockets 20


def procfile_command(name: str, port: int) -> list[str]:
    line = next(line for line in (ROOT / "deploy" / "Procfile").read_text().splitlines() if line.startswith(name + ":"))
    args = shlex.split(line.split(":", 1)[1])
    args[args.index("-p") + 1] = str(port)
    return [sys.executable, *args[1:]] if args[0] == "python" else args


@pytest.fixture
def front(tmp_path):
    if not Path(NGINX).exists():
        pytest.fail("Debian's nginx is needed: apt-get install nginx (.ci/run installs it)")
    cluster = Cluster(tmp_path)
    cluster.worker("worker")
    ports = [free_port(), free_port()]
    for name, port in zip(("web1", "web2"), ports, strict=True):
        cluster.start(name, procfile_command(name, port), WIDGET_SOCKETS_PER_CLIENT="20")
    for port in ports:
        wait_until_answers(f"http://127.0.0.1:{port}/livez")
    cert, key = self_signed_certificate(tmp_path)
    https_port = free_port()
    site = (ROOT / "deploy" / "nginx" / "betcore-widget.conf").read_text()
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
    site = site.replace("/etc/ssl/betcore/cert.pem", str(cert)).replace("/etc/ssl/betcore/key.pem", str(key))
    site = site.replace("server 127.0.0.1:8001;", f"server 127.0.0.1:{ports[0]};")
    site = site.replace("server 127.0.0.1:8002;", f"server 127.0.0.1:{ports[1]};")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"daemon off;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/nginx-error.log warn;\n"
        "worker_processes 1;\nevents { worker_connections 512; }\n"
        f"http {{\n  access_log {tmp_path}/nginx-access.log;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    check = subprocess.run([NGINX, "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    nginx = subprocess.Popen([NGINX, "-c", str(tmp_path / "nginx.conf")], stderr=subprocess.PIPE)
    base = f"https://127.0.0.1:{https_port}"
    wait_until_answers(base + "/livez", timeout=10)
    asyncio.run(wait_live(cluster))
    yield {"cluster": cluster, "base": base, "port": https_port}
    nginx.terminate()
    nginx.wait(10)
    cluster.close()


async def open_socket(front: dict, source: str = "127.0.0.1"):
    url = f"wss://127.0.0.1:{front['port']}/ws/w/{front['cluster'].widget_id}/"
    return await connect(url, origin=f"https://127.0.0.1:{front['port']}", ssl=insecure_tls(), local_addr=(source, 0))


def test_widget_page_and_socket_over_https_and_the_per_client_socket_cap(front):
    page = requests.get(f"{front['base']}/w/{front['cluster'].widget_id}/", timeout=10, verify=False)
    assert page.status_code == 200 and "bw-root" in page.text, (page.status_code, page.text[:300])

    async def scenario() -> None:
        sockets = []
        try:
            for _ in range(SOCKETS_PER_CLIENT):
                sockets.append(await open_socket(front))
                await asyncio.sleep(0.21)  # within the 5 new sockets per second
            assert json.loads(await sockets[0].recv())["type"] == "snapshot"
            with pytest.raises(InvalidStatus) as refused:
                await open_socket(front)
            assert refused.value.response.status_code == 429, "the 21st socket from one address is refused"
            other = await open_socket(front, source="127.0.0.2")  # another client address is unaffected
            assert json.loads(await other.recv())["type"] == "snapshot"
            await other.close()
            await sockets.pop().close()
            await asyncio.sleep(0.5)
            again = await open_socket(front)
            assert json.loads(await again.recv())["type"] == "snapshot"
            sockets.append(again)
        finally:
            for opened in sockets:
                await opened.close()

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
