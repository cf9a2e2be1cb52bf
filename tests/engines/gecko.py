"""Gecko (Debian's firefox-esr, headless) through tests/js/engine_firefox.js: puppeteer-core over
WebDriver BiDi, as Debian has no geckodriver. Overlay scrollbars as on phones (a classic 12 px
scrollbar gutter would make the viewport narrower than asked)."""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

from tests.engines import FIREFOX, JS
from tests.processes import ROOT


class Gecko:
    """Firefox through tests/js/engine_firefox.js: one JSON command per line each way."""

    name = "gecko"

    def __init__(self, workdir: Path) -> None:
        node = shutil.which("node")
        assert node, "node is needed for the Firefox tests"
        self._stderr = open(workdir / "engine_firefox.log", "w")  # noqa: SIM115
        self._process = subprocess.Popen(
            [node, str(JS / "engine_firefox.js"), FIREFOX],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self._answers: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        ready = self._answer(timeout=90)
        self.version = "Firefox " + ready["version"].split("/")[-1]

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._answers.put(line)

    def _answer(self, timeout: float = 60) -> dict[str, Any]:
        try:
            answer = json.loads(self._answers.get(timeout=timeout))
        except queue.Empty:
            raise TimeoutError(f"engine_firefox.js said nothing in {timeout} s") from None
        if "error" in answer:
            raise RuntimeError(f"engine_firefox.js: {answer['error']}")
        return answer

    def _call(self, op: str, **arguments: Any) -> Any:
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps({"op": op, **arguments}) + "\n")
        self._process.stdin.flush()
        return self._answer().get("value")

    def open(self, url: str, width: int, height: int) -> None:
        self._call("open", url=url, width=width, height=height)

    def evaluate(self, expression: str, frame: str) -> Any:
        return self._call("evaluate", expression=expression, frame=frame)

    def screenshot(self, path: Path) -> None:
        self._call("screenshot", path=str(path))

    def console_errors(self, url: str) -> list[str]:
        return self._call("errors")

    def close(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.write(json.dumps({"op": "close"}) + "\n")
            self._process.stdin.close()
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._stderr.close()
