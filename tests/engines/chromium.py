"""Chromium (Debian's ``chromium``) through Playwright."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.engines import CHROMIUM, WIDGET_URL


class Chromium:
    name = "chromium"

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        self.version = f"Chromium {self._browser.version}"
        self._context: Any = None
        self._errors: list[str] = []

    def open(self, url: str, width: int, height: int) -> None:
        if self._context is not None:
            self._context.close()
        self._errors = []
        self._context = self._browser.new_context(viewport={"width": width, "height": height})
        self._page = self._context.new_page()
        # Console messages and exceptions of every frame, the cross-origin widget frame included.
        self._page.on("console", self._on_console)
        self._page.on("pageerror", lambda error: self._errors.append(f"uncaught: {error}"))
        self._page.goto(url)

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            self._errors.append(f"console: {message.text} ({message.location.get('url', '?')})")

    def evaluate(self, expression: str, frame: str) -> Any:
        if frame == "top":
            return self._page.evaluate(expression)
        # embed.js may create the frame late, and it loads lazily.
        deadline = time.monotonic() + 20
        while not (widget := [f for f in self._page.frames if WIDGET_URL.search(f.url)]):
            assert time.monotonic() < deadline, f"no widget frame among {[f.url for f in self._page.frames]}"
            self._page.wait_for_timeout(100)
        return widget[0].evaluate(expression)

    def screenshot(self, path: Path) -> None:
        self._page.screenshot(path=str(path), full_page=True)

    def console_errors(self, url: str) -> list[str]:
        return list(self._errors)

    def close(self) -> None:
        if self._context is not None:
            self._context.close()
        self._browser.close()
        self._playwright.stop()
