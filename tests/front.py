"""The production front as deploy/ ships it: nginx with TLS before two web processes from the Procfile.

Used by the deployment tests and the churn benchmark: PostgreSQL, Redis, the sandbox, one
feed worker, the Procfile's ``web1`` and ``web2`` lines and Debian's nginx with the shipped
site file (its addresses and certificate paths rewritten to the run's own).
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from tests.processes import ROOT, Cluster, Proc, free_port, self_signed_certificate, wait_until_answers

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def procfile_command(name: str, port: int) -> list[str]:
    """The Procfile's line ``name`` with its port replaced, run by this interpreter."""
    line = next(line for line in (ROOT / "deploy" / "Procfile").read_text().splitlines() if line.startswith(name + ":"))
    args = shlex.split(line.split(":", 1)[1])
    args[args.index("-p") + 1] = str(port)
    return [sys.executable, *args[1:]] if args[0] == "python" else args


class Front:
    """The whole production stack on free ports; ``base`` is its https address."""

    def __init__(self, logdir: Path, **env: str) -> None:
        if not Path(NGINX).exists():
            raise RuntimeError("Debian's nginx is needed: apt-get install nginx (make system-deps installs it)")
        self.cluster = Cluster(logdir)
        self.cluster.worker("worker")
        self.web_ports = [free_port(), free_port()]
        self.webs: list[Proc] = [
            self.cluster.start(name, procfile_command(name, port), **env)
            for name, port in zip(("web1", "web2"), self.web_ports, strict=True)
        ]
        for web, port in zip(self.webs, self.web_ports, strict=True):
            if not wait_until_answers(f"http://127.0.0.1:{port}/livez"):
                raise RuntimeError(f"{web.name} did not start: {web.output()[-2000:]}")
        self.port = free_port()
        self.nginx = self._start_nginx(logdir)
        self.base = f"https://127.0.0.1:{self.port}"
        if not wait_until_answers(self.base + "/livez", timeout=10):
            raise RuntimeError(f"nginx did not answer: {(logdir / 'nginx-error.log').read_text()[-2000:]}")

    def _start_nginx(self, logdir: Path) -> subprocess.Popen:
        cert, key = self_signed_certificate(logdir)
        site = (ROOT / "deploy" / "nginx" / "betcore-widget.conf").read_text()
        site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{self.port} ssl;")
        site = site.replace("/etc/ssl/betcore/cert.pem", str(cert)).replace("/etc/ssl/betcore/key.pem", str(key))
        site = site.replace("server 127.0.0.1:8001;", f"server 127.0.0.1:{self.web_ports[0]};")
        site = site.replace("server 127.0.0.1:8002;", f"server 127.0.0.1:{self.web_ports[1]};")
        (logdir / "site.conf").write_text(site)
        (logdir / "nginx.conf").write_text(
            f"daemon off;\npid {logdir}/nginx.pid;\nerror_log {logdir}/nginx-error.log warn;\n"
            "worker_processes 1;\nevents { worker_connections 4096; }\n"
            f"http {{\n  access_log {logdir}/nginx-access.log;\n  include {logdir}/site.conf;\n}}\n"
        )
        check = subprocess.run([NGINX, "-t", "-c", str(logdir / "nginx.conf")], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(check.stderr)
        return subprocess.Popen([NGINX, "-c", str(logdir / "nginx.conf")], stderr=subprocess.PIPE)

    def close(self) -> None:
        self.nginx.terminate()
        self.nginx.wait(10)
        self.cluster.close()
