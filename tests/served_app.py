"""`manage.py serve` as a user runs it (sandbox, worker and daphne in one process), and Chromium, for browser tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from tests.processes import ROOT, free_port, wait_until_answers
from tests.waiting import wait_until

ARTIFACTS = ROOT / "test-artifacts"  # screenshots the browser tests keep

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def serve_env(workdir: Path, **extra: str) -> dict[str, str]:
    """The shell's environment without our settings, a throwaway SQLite database, DEBUG on."""
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("BETCORE_", "REDIS_URL", "DATABASE_URL", "DJANGO_"))
    }
    return {
        **base,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{workdir}/db.sqlite3",
        "FEED_TRANSLATIONS_REFRESH_SECONDS": "1",
        "FEED_JACKPOTS_POLL_SECONDS": "1",
        **extra,
    }


@contextmanager
def served_app(workdir: Path, **extra_env: str) -> Iterator[dict[str, Any]]:
    """The app on a free port until the block ends: its base URL, port, demo widget path, sandbox URL, log."""
    port = free_port()
    env = serve_env(workdir, **extra_env)
    log = open(workdir / "serve.log", "w+")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_answers(base + "/readyz", timeout=60, ready=lambda response: response.status_code == 200)
        log.seek(0)
        output = log.read()
        assert "widget page:" in output, output
        widget_path = re.search(r"widget page:\s+http://[^/]+(/w/[^/]+/)", output).group(1)
        sandbox = re.search(r"BETCORE sandbox on (http://\S+)", output).group(1)
        yield {
            "base": base,
            "port": port,
            "widget": widget_path,
            "sandbox": sandbox,
            "log": workdir / "serve.log",
            "database_url": env["DATABASE_URL"],
            "env": env,
        }
    finally:
        process.terminate()
        process.wait(10)
        log.close()


def manage_shell(app: dict[str, Any], code: str) -> str:
    """Run ``code`` in `manage.py shell` against the served app's database; its last line of output."""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=app["env"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip().splitlines()[-1]


def pumped(page: Any, check: Callable[[], Any]) -> Callable[[], Any]:
    """``check`` after one Playwright call: the sync API hands over page events (sockets, requests) in its calls."""
    return lambda: page.title() is not None and check()


def streams_stored(app: dict[str, Any]) -> dict[str, Any]:
    """``app`` once its worker has stored the sandbox's stream addresses: the widget page's policy
    then names their origin in media-src (before, it allows only ``blob:``)."""

    def named() -> bool:
        response = requests.get(app["base"] + app["widget"], timeout=5)
        return re.search(r"media-src blob: \S", response.headers.get("Content-Security-Policy", "")) is not None

    wait_until(named, 20, "the sandbox's stream addresses stored by the worker")
    return app


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def axe_violations(page: Any) -> list[str]:
    """axe-core's violations on a Playwright page, one line each (rule and the first three targets)."""
    page.evaluate((ROOT / "node_modules" / "axe-core" / "axe.min.js").read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]]
