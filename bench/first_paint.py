"""First paint of the widget page in Chromium on a slow phone: when text shows, when results are drawn.

    .venv/bin/python bench/first_paint.py [--runs 5] [--cpu-slowdown 4]

Starts ``manage.py serve`` (sandbox feed), opens the widget page at 360x740 with the CPU
slowed down through the DevTools protocol and a fast-3G-like network, and prints the
median first-contentful-paint and the moment the results are drawn (widget.js draws
them from the snapshot embedded in the page, the same code that draws live updates).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.processes import wait_until_answers

ROOT = Path(__file__).resolve().parent.parent
FIRST_CONTENTFUL_PAINT = """() => new Promise((resolve) => {
  new PerformanceObserver((list) => {
    const entry = list.getEntries().find((e) => e.name === "first-contentful-paint");
    if (entry) resolve(entry.startTime);
  }).observe({type: "paint", buffered: true});
})"""
MARK_RESULTS = """() => new Promise((resolve) => {
  const done = () => document.querySelector(".bw-result[data-kind]");
  if (done()) return resolve(performance.now());
  new MutationObserver((_, observer) => { if (done()) { observer.disconnect(); resolve(performance.now()); } })
    .observe(document.documentElement, {subtree: true, childList: true});
})"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cpu-slowdown", type=float, default=4.0)
    options = parser.parse_args()
    port = 8790
    with tempfile.TemporaryDirectory() as workdir:
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": "first-paint-bench-secret-key-0123456789abcdef",
            "DATABASE_URL": f"sqlite:///{workdir}/db.sqlite3",
        }
        env = {k: v for k, v in env.items() if not k.startswith(("BETCORE_", "REDIS_URL"))}
        log = open(Path(workdir) / "serve.log", "w+")  # noqa: SIM115
        server = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_answers(base + "/readyz", timeout=60, ready=lambda response: response.status_code == 200)
            log.seek(0)
            path = re.search(r"widget page:\s+http://[^/]+(/w/[^/]+/)", log.read()).group(1)
            fcp, drawn = [], []
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
                for _ in range(options.runs):
                    context = browser.new_context(viewport={"width": 360, "height": 740})
                    page = context.new_page()
                    cdp = context.new_cdp_session(page)
                    cdp.send("Emulation.setCPUThrottlingRate", {"rate": options.cpu_slowdown})
                    cdp.send(
                        "Network.emulateNetworkConditions",
                        {"offline": False, "latency": 150, "downloadThroughput": 200_000, "uploadThroughput": 90_000},
                    )
                    page.goto(base + path, wait_until="commit")
                    drawn.append(page.evaluate(MARK_RESULTS))
                    page.wait_for_load_state("load")
                    paint = page.evaluate(FIRST_CONTENTFUL_PAINT)
                    fcp.append(paint)
                    context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(10)
    print(f"runs: {options.runs}, CPU slowed {options.cpu_slowdown:g}x, 150 ms latency, 1.6 Mbit/s down")
    print(f"first contentful paint: median {statistics.median(fcp):.0f} ms (min {min(fcp):.0f}, max {max(fcp):.0f})")
    print(
        f"results drawn:          median {statistics.median(drawn):.0f} ms (min {min(drawn):.0f}, max {max(drawn):.0f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
