"""Three browser engines behind one small interface, for tests that look at a page in each.

All come from Debian's packages; nothing is downloaded:

- **Chromium** (``chromium``) through Playwright.
- **WebKit** (WebKitGTK's ``MiniBrowser``) through ``WebKitWebDriver`` and Selenium, on a private
  Xvfb display (MiniBrowser has no headless mode).
- **Gecko** (``firefox-esr``, headless) through puppeteer-core over WebDriver BiDi
  (``tests/js/engine_firefox.js``; Debian has no geckodriver).

Each takes seconds to start: start one per test module and open pages in it.
"""

from __future__ import annotations

import glob
import re
from pathlib import Path
from typing import Any, Protocol

from tests.processes import ROOT

JS = ROOT / "tests" / "js"
WIDGET_URL = re.compile(r"/w/[^/]+/")
CHROMIUM = "/usr/bin/chromium"
FIREFOX = "/usr/bin/firefox-esr"
WEBKIT_DRIVER = "/usr/bin/WebKitWebDriver"
# libwebkit2gtk-4.1-0 puts MiniBrowser under the architecture's library directory.
MINIBROWSER = next(iter(sorted(glob.glob("/usr/lib/*/webkit2gtk-4.1/MiniBrowser"))), "MiniBrowser")
# What each engine needs on disk (the Debian packages, and puppeteer-core from package.json).
NEEDS = {
    "chromium": [CHROMIUM],
    "webkit": [WEBKIT_DRIVER, MINIBROWSER, "/usr/bin/Xvfb"],
    "gecko": [FIREFOX, str(ROOT / "node_modules" / "puppeteer-core")],
}


class Engine(Protocol):
    name: str
    version: str

    def open(self, url: str, width: int, height: int) -> None:
        """A fresh page at ``url`` with a viewport of exactly ``width`` x ``height`` CSS pixels."""

    def evaluate(self, expression: str, frame: str) -> Any:
        """The JSON value of ``expression`` in the top document (``"top"``) or the widget's frame."""

    def screenshot(self, path: Path) -> None: ...

    def console_errors(self, url: str) -> list[str]:
        """Console errors and uncaught exceptions of every frame of ``url``."""

    def close(self) -> None: ...


def start(name: str, workdir: Path, console_urls: list[str]) -> Engine:
    """The engine called ``name`` (chromium, webkit or gecko), its logs in ``workdir``.

    ``console_urls``: the pages whose console errors will be asked for (WebKit watches them apart).
    """
    if name == "chromium":
        from tests.engines.chromium import Chromium

        return Chromium()
    if name == "webkit":
        from tests.engines.webkit import WebKit

        return WebKit(workdir, console_urls)
    from tests.engines.gecko import Gecko

    return Gecko(workdir)
