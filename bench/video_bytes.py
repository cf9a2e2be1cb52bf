"""Bytes per viewer-minute with the live picture on and off, measured in Chromium.

    .venv/bin/python bench/video_bytes.py [seconds]

Runs `manage.py serve` (sandbox, worker, daphne), opens the demo widget at 360x740 twice
for ``seconds`` (default 30): once with the picture on screen (the sandbox's 320x180
stream plays) and once scrolled out of view (data only). Counts the bytes of every
response and WebSocket frame after the page has loaded; prints a table per minute.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def measure(browser, url: str, seconds: float, video_on: bool) -> dict[str, int]:
    context = browser.new_context(viewport={"width": 360, "height": 740 if video_on else 100})
    page = context.new_page()
    counts = {"video": 0, "data": 0}
    counting = {"on": False}

    def finished(request) -> None:
        if counting["on"] and "/video/" in request.url:
            sizes = request.sizes()
            counts["video"] += sizes["responseBodySize"] + sizes["responseHeadersSize"]

    def socket(ws) -> None:
        ws.on(
            "framereceived",
            lambda payload: counting["on"] and counts.__setitem__("data", counts["data"] + len(payload)),
        )

    page.on("requestfinished", finished)
    page.on("websocket", socket)
    page.goto(url)
    page.locator('.bw-status[data-state="live"]').wait_for(timeout=15000)
    counting["on"] = True
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page.wait_for_timeout(500)
    counting["on"] = False
    context.close()
    return {key: round(value * 60 / seconds) for key, value in counts.items()}


def main() -> None:
    from playwright.sync_api import sync_playwright

    from tests.served_app import launch_chromium, served_app

    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
    with served_app(Path(tempfile.mkdtemp(prefix="bench-video-"))) as app, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        time.sleep(3)  # the worker stores the sandbox's stream addresses
        url = app["base"] + app["widget"]
        rows = {"picture on screen": measure(browser, url, seconds, True)}
        rows["picture out of view (data only)"] = measure(browser, url, seconds, False)
        browser.close()
    print("| per viewer-minute | video bytes | live-data bytes (WebSocket) |\n|---|---|---|")
    for label, row in rows.items():
        print(f"| {label} | {row['video']:,} | {row['data']:,} |")


if __name__ == "__main__":
    main()
