"""Resources under mixed traffic through the production front: nothing may grow.

    .venv/bin/python bench/churn.py --minutes 30

Starts the stack as deploy/ ships it (nginx with TLS, two web processes from the
Procfile, the feed worker, PostgreSQL, Redis, the sandbox) and sends, from 50 client
addresses within nginx's per-address limits: page views (a fifth to ids that do not
exist), short-lived widget sockets (half to unknown ids), long-lived viewers (kept at a
constant number, each reopened if it closes) and failed admin logins. Every 10 s it
samples the app's PostgreSQL connections, each web process's resident memory, open file
descriptors, Python's allocated blocks and widget consumers in memory, and Redis's memory;
at the end it prints the samples every few minutes and the change from the first sample
after warm-up to the last.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import ssl
import string
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp
import psutil
import psycopg
import redis
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fd import raise_limit  # noqa: E402
from tests.front import Front  # noqa: E402
from tests.live import scrape, wait_live  # noqa: E402
from tests.processes import POSTGRES_ADMIN  # noqa: E402

ADDRESSES = [f"127.0.1.{n}" for n in range(1, 51)]
USERNAMES = ["admin", "root", "partner", "test", "betcore"]


def made_up_id() -> str:
    return "".join(random.choices(string.ascii_letters + string.digits, k=16))


def tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


class Traffic:
    def __init__(self, front: Front, rates: argparse.Namespace) -> None:
        self.front, self.rates = front, rates
        self.widget_id = front.cluster.widget_id
        self.counts: Counter[str] = Counter()
        self.tls = tls()

    def address(self) -> str:
        return random.choice(ADDRESSES)

    async def every(self, per_second: float, action) -> None:
        """Start ``action`` ``per_second`` times a second, each in its own task."""
        tasks: set[asyncio.Task] = set()
        while True:
            task = asyncio.create_task(action())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            await asyncio.sleep(random.expovariate(per_second))

    async def page(self) -> None:
        widget_id = made_up_id() if random.random() < 0.2 else self.widget_id
        connector = aiohttp.TCPConnector(ssl=self.tls, local_addr=(self.address(), 0))
        try:
            async with (
                aiohttp.ClientSession(connector=connector) as session,
                session.get(f"{self.front.base}/w/{widget_id}/") as response,
            ):
                await response.read()
                self.counts[f"page {response.status}"] += 1
        except Exception as error:
            self.counts[f"page {type(error).__name__}"] += 1

    async def socket(self, seconds: float) -> None:
        widget_id = made_up_id() if seconds < 60 and random.random() < 0.5 else self.widget_id
        url = f"wss://127.0.0.1:{self.front.port}/ws/w/{widget_id}/"
        kind = "viewer" if seconds >= 60 else "socket"
        try:
            async with connect(
                url, origin=self.front.base, ssl=self.tls, local_addr=(self.address(), 0), open_timeout=20
            ) as socket:
                self.counts[f"{kind} opened"] += 1
                deadline = time.monotonic() + seconds
                while time.monotonic() < deadline:
                    await asyncio.wait_for(socket.recv(), max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            pass  # the viewer's time is up
        except ConnectionClosed as closed:
            self.counts[f"{kind} closed {closed.rcvd.code if closed.rcvd else 'abruptly'}"] += 1
        except Exception as error:
            self.counts[f"{kind} {type(error).__name__}"] += 1

    async def viewers(self, count: int) -> None:
        async def keep_one() -> None:
            while True:
                await self.socket(random.uniform(120, 600))

        await asyncio.gather(*(keep_one() for _ in range(count)))

    async def failed_login(self) -> None:
        connector = aiohttp.TCPConnector(ssl=self.tls, local_addr=(self.address(), 0))
        try:
            # unsafe=True: keep cookies (the CSRF one) from an IP-address host.
            jar = aiohttp.CookieJar(unsafe=True)
            async with aiohttp.ClientSession(connector=connector, cookie_jar=jar) as session:
                async with session.get(f"{self.front.base}/admin/login/") as page:
                    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', await page.text())
                if token is None:
                    self.counts["login no-form"] += 1
                    return
                form = {"csrfmiddlewaretoken": token.group(1), "username": random.choice(USERNAMES), "password": "x"}
                headers = {"Referer": f"{self.front.base}/admin/login/"}
                async with session.post(f"{self.front.base}/admin/login/", data=form, headers=headers) as response:
                    await response.read()
                    self.counts[f"login {response.status}"] += 1
        except Exception as error:
            self.counts[f"login {type(error).__name__}"] += 1

    async def run(self) -> None:
        await asyncio.gather(
            self.every(self.rates.pages, self.page),
            self.every(self.rates.sockets, lambda: self.socket(random.uniform(0.5, 5))),
            self.viewers(self.rates.viewers),
            self.every(self.rates.logins, self.failed_login),
        )


def sample(front: Front) -> dict[str, float]:
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (front.cluster.db_name,)
        ).fetchone()
    figures: dict[str, float] = {"pg": float(row[0]) if row else 0.0}
    figures["redis MB"] = redis.Redis.from_url(front.cluster.redis_url).info("memory")["used_memory"] / 2**20
    for index, (web, port) in enumerate(zip(front.webs, front.web_ports, strict=True), start=1):
        process = psutil.Process(web.process.pid)
        metrics = scrape(port)
        figures[f"rss{index}"] = process.memory_info().rss / 2**20
        figures[f"fds{index}"] = process.num_fds()
        figures[f"blocks{index}"] = metrics["python_allocated_blocks"] / 1000
        figures[f"alive{index}"] = metrics["feed_widget_consumers_alive"]
        figures[f"open{index}"] = metrics["feed_widget_sockets"]
    return figures


COLUMNS = [
    ("min", "{:>5.1f}"), ("pg", "{:>3.0f}"), ("rss1", "{:>5.0f}"), ("rss2", "{:>5.0f}"), ("fds1", "{:>5.0f}"),
    ("fds2", "{:>5.0f}"), ("blocks1", "{:>7.0f}"), ("blocks2", "{:>7.0f}"), ("open1", "{:>5.0f}"),
    ("alive1", "{:>6.0f}"), ("open2", "{:>5.0f}"), ("alive2", "{:>6.0f}"), ("redis MB", "{:>8.1f}"),
]  # fmt: skip


def row(figures: dict[str, float]) -> str:
    return " | ".join(form.format(figures[name]) for name, form in COLUMNS)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--warm-up", type=float, default=2.0, help="minutes before the baseline sample")
    parser.add_argument("--pages", type=float, default=10.0, help="page views per second")
    parser.add_argument("--sockets", type=float, default=10.0, help="short-lived sockets per second")
    parser.add_argument("--viewers", type=int, default=200, help="long-lived viewers")
    parser.add_argument("--logins", type=float, default=0.5, help="failed logins per second")
    options = parser.parse_args()
    raise_limit()
    logdir = Path(tempfile.mkdtemp(prefix="bench-churn-"))
    front = Front(logdir, WIDGET_SOCKETS_PER_CLIENT="20")
    try:
        await wait_live(front.cluster)
        traffic = Traffic(front, options)
        runner = asyncio.create_task(traffic.run())
        print(
            f"churn through nginx for {options.minutes:g} min: {options.pages:g} pages/s, {options.sockets:g} "
            f"short sockets/s, {options.viewers} viewers, {options.logins:g} failed logins/s, "
            f"{len(ADDRESSES)} client addresses; logs in {logdir}"
        )
        print(" | ".join(f"{name:>{len(form.format(0))}}" for name, form in COLUMNS))
        started, samples = time.monotonic(), []
        while time.monotonic() - started < options.minutes * 60:
            await asyncio.sleep(10)
            figures = await asyncio.to_thread(sample, front)
            figures["min"] = (time.monotonic() - started) / 60
            samples.append(figures)
            print(row(figures), flush=True)
        runner.cancel()
        baseline = next(s for s in samples if s["min"] >= options.warm_up)
        step = max(1, int(options.minutes // 6) * 6)  # samples are 10 s apart
        print(f"\nevery {step / 6:g} min, then the last sample:")
        for figures in [*samples[::step], samples[-1]]:
            print(row(figures))
        print(f"\nchange from minute {baseline['min']:.1f} to the end:")
        print(row({name: samples[-1][name] - baseline[name] for name, _ in COLUMNS}))
        print("traffic:", ", ".join(f"{key} {value}" for key, value in sorted(traffic.counts.items())))
    finally:
        front.close()


if __name__ == "__main__":
    asyncio.run(main())
