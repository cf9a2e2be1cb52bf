"""Real processes for the scale-out tests: sandbox, feed workers, daphne, with their own logs."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import redis
import requests

from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent
# Clusters flush their Redis database: each pytest-xdist worker has its own (gw0 → 8,
# gw1 → 9, …), a run without workers uses 5.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
REDIS_URL = f"redis://127.0.0.1:6379/{8 + int(_WORKER[2:]) if _WORKER.startswith('gw') else 5}"
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 (PEM files), for daphne's ``ssl:`` endpoint."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def wait_until_answers(url: str, timeout: float = 30, ready: Callable[[requests.Response], bool] | None = None) -> bool:
    """Poll ``url`` until the server answers (and ``ready`` accepts the answer); False if it never did."""

    def answered() -> bool:
        try:
            response = requests.get(url, timeout=1, verify=False)
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or too busy to answer
            return False
        return ready is None or ready(response)

    try:
        return wait_until(answered, timeout, f"an answer from {url}")
    except TimeoutError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Proc:
    def __init__(self, name: str, args: list[str], env: dict[str, str], logdir: Path) -> None:
        self.name = name
        self.log_path = logdir / f"{name}.log"
        self.log = open(self.log_path, "w+")  # noqa: SIM115
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log_path.read_text()

    def wait_for_output(self, pattern: str, timeout: float = 30) -> re.Match:
        def found() -> re.Match | None:
            match = re.search(pattern, self.output())
            if match is None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.output()[-2000:]}")
            return match

        try:
            return wait_until(found, timeout, f"{pattern!r} in {self.name}'s output")
        except TimeoutError:
            raise TimeoutError(f"{self.name}: no {pattern!r} in {self.output()[-2000:]}") from None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


class Cluster:
    """Sandbox + database + Redis + any number of workers and web processes."""

    def __init__(
        self,
        logdir: Path,
        database: str = "postgres",
        speed: float = 4.0,
        env: dict[str, str] | None = None,
        redis_url: str = REDIS_URL,
        streams: bool = False,
    ) -> None:
        self.logdir = logdir
        self.extra_env = env or {}
        self.procs: list[Proc] = []
        self.redis_url = redis_url
        self.redis = redis.Redis.from_url(redis_url)
        self.redis.flushdb()
        if database == "postgres":
            self.db_name = f"feed_test_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.db_name}"')
            self.database_url = f"postgres://postgres@127.0.0.1:5432/{self.db_name}"
        else:
            self.db_name = None
            self.database_url = f"sqlite:///{logdir}/db.sqlite3"
        self.sandbox_port = free_port()
        self.sandbox = self.start(
            "sandbox",
            [
                sys.executable,
                "-m",
                "sandbox",
                "--port",
                str(self.sandbox_port),
                "--speed",
                str(speed),
                "--ping-interval",
                "1",
                "--seed",
                "9",
                *([] if streams else ["--no-streams"]),
            ],
        )
        self.sandbox.wait_for_output("controls:")
        self.sandbox_url = f"http://127.0.0.1:{self.sandbox_port}"
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput", "--verbosity", "0")  # production static storage
        self.widget_id = (
            self.manage(
                "shell",
                "-c",
                # Fixed game types (not following the feed), so benchmarks compare like with like.
                "from widget.demo import ensure_demo_widget; w = ensure_demo_widget([]); w.follow_feed = False; "
                "w.game_types = '3, 1, 2, 5'; w.save(); print(w.public_id)",
            )
            .strip()
            .splitlines()[-1]
        )

    def env(self, **extra: str) -> dict[str, str]:
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("BETCORE_", "REDIS_URL", "DATABASE_URL", "DJANGO_"))
        }
        return {
            **base,
            "SECRET_KEY": "scale-out-test-secret-key-0123456789abcdef",
            "DEBUG": "0",
            "REDIS_URL": self.redis_url,
            "DATABASE_URL": self.database_url,
            "BETCORE_API_URL": f"http://127.0.0.1:{self.sandbox_port}/partnersmediator-service/api/v2",
            "BETCORE_HUB_URL": f"http://127.0.0.1:{self.sandbox_port}/signalrhub-livefeed-service/hubs",
            "BETCORE_PARTNER_CLIENT_ID": "1",
            "BETCORE_SECRET": "sandbox-secret",
            "PYTHONUNBUFFERED": "1",
            # Load tests and benchmarks open thousands of sockets from one address.
            "WIDGET_SOCKETS_PER_CLIENT": "100000",
            # Clusters of parallel test workers must not collect static files into one folder at once.
            "STATIC_ROOT": str(ROOT / "staticfiles" / (_WORKER or "main")),
            **self.extra_env,
            **extra,
        }

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            raise RuntimeError(result.stderr[-3000:])
        return result.stdout

    def start(self, name: str, args: list[str], **env: str) -> Proc:
        proc = Proc(name, args, self.env(**env), self.logdir)
        self.procs.append(proc)
        return proc

    def worker(self, name: str) -> Proc:
        return self.start(name, [sys.executable, "manage.py", "feedworker"])

    def web(
        self,
        name: str,
        port: int | None = None,
        tls: tuple[Path, Path] | None = None,
        application: str = "feedsite.asgi:application",
        server: str = "feedsite.webserver",
        options: tuple[str, ...] = (),
        **env: str,
    ) -> tuple[Proc, int]:
        """A web process (daphne) on ``port``; with ``tls`` (certificate, key) daphne serves TLS itself;
        ``options`` are more of daphne's command-line options."""
        port = port or free_port()
        if tls is None:
            listen = ["-b", "127.0.0.1", "-p", str(port)]
        else:
            listen = ["-e", f"ssl:{port}:interface=127.0.0.1:privateKey={tls[1]}:certKey={tls[0]}"]
        proc = self.start(name, [sys.executable, "-m", server, "-v", "0", *listen, *options, application], **env)
        scheme = "https" if tls else "http"
        if wait_until_answers(f"{scheme}://127.0.0.1:{port}/livez"):
            return proc, port
        raise TimeoutError(f"{name} did not start: {proc.output()[-2000:]}")

    def close(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        try:
            self.redis.flushdb()
        except redis.ConnectionError:
            pass  # a test's own Redis, already stopped
        if self.db_name:
            with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')


class OwnRedis:
    """A Redis server of the test's own on a free port, for tests that stop or restart it."""

    def __init__(self, logdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.logdir = logdir
        self.proc: Proc | None = None
        self.start()

    def start(self) -> None:
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = Proc(f"redis-{self.port}", args, dict(os.environ), self.logdir)
        self.proc.wait_for_output("Ready to accept connections")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.log.close()
            self.proc = None
