"""WebKit (WebKitGTK's MiniBrowser) through WebKitWebDriver and Selenium, on a private Xvfb display.

Two things Debian's WebKitGTK 2.50 does not give, and how they are got here:

- A phone-narrow viewport: MiniBrowser's toolbar holds its window at least ~447 px wide. A GTK
  stylesheet that shrinks every GTK widget to nothing (web content is not drawn with GTK) lets the
  window be as narrow as asked; the toolbar's remaining height is measured once and added.
- The console: WebKitWebDriver does not do BiDi (no console events, no preload scripts) and
  MiniBrowser under automation prints nothing. A plain MiniBrowser asked to write console messages
  prints every frame's errors and uncaught exceptions, so each page whose console matters is loaded
  once more in one, for a fixed time, and then closed by a timer (left open, a software-rendered
  live page keeps a core busy for the rest of the module). Its window is not phone-sized, which does
  not matter for errors.

As root, WebKit's sandbox does not start: it is switched off (these tests load only local pages).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import threading
from pathlib import Path
from typing import IO, Any

import psutil
import urllib3
from selenium.common.exceptions import WebDriverException

from tests.engines import MINIBROWSER, WEBKIT_DRIVER
from tests.waiting import wait_until

TINY_GTK = "* { min-width: 0; min-height: 0; padding: 0; margin: 0; border-width: 0; font-size: 1px; }\n"
# How long a plain MiniBrowser watches a page's console: load, live, and a few feed events.
CONSOLE_SECONDS = 10.0
# How long any WebDriver command may take (a load on a busy machine takes a few seconds), and
# how many times a wedged browser is replaced in one module before the run gives up.
COMMAND_SECONDS = 60.0
MAX_RESTARTS = 2
# A command the browser took in but never answered (the wedge), unlike an error it answered with.
WEDGED = (TimeoutError, urllib3.exceptions.TimeoutError)
# What a command to a browser that does not answer raises: the client's timeout, or the driver's error.
UNANSWERED = (*WEDGED, WebDriverException)


def start_xvfb(log: IO[str]) -> tuple[subprocess.Popen, str]:
    """A private X display: Xvfb picks a free number and tells it on a pipe."""
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()
    assert number, "Xvfb did not start"
    return process, f":{number}"


class WebKit:
    name = "webkit"

    def __init__(self, workdir: Path, console_urls: list[str]) -> None:
        self._workdir = workdir
        (workdir / "gtk-3.0").mkdir(parents=True, exist_ok=True)
        (workdir / "gtk-3.0" / "gtk.css").write_text(TINY_GTK)  # read through XDG_CONFIG_HOME
        self._xvfb_log = open(workdir / "xvfb.log", "w")  # noqa: SIM115
        self._xvfb, display = start_xvfb(self._xvfb_log)
        self._env = {**os.environ, "DISPLAY": display, "XDG_CONFIG_HOME": str(workdir)}
        if os.geteuid() == 0:
            # WebKit's sandbox refuses to run as root; these tests load only our local pages.
            self._env["WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS"] = "1"
        # The plain MiniBrowsers watch the consoles while the driven one does the rest.
        self._console_seen: dict[str, tuple[bool, str]] = {}  # url -> (the browser lasted, what it printed)
        self._console_processes: list[subprocess.Popen] = []
        self._console_runs = {url: self._start_console_run(url, index) for index, url in enumerate(console_urls)}
        self._restarts = 0
        self._driver = self._start_driver()
        self.version = f"WebKitGTK {self._driver.capabilities['browserVersion']}"
        self._chrome_height: int | None = None
        self._opened: tuple[str, int, int] | None = None  # the page open() last loaded

    def _start_driver(self) -> Any:
        """A driven MiniBrowser whose every WebDriver command gives up after COMMAND_SECONDS."""
        from selenium import webdriver
        from selenium.webdriver.webkitgtk.service import Service

        options = webdriver.WebKitGTKOptions()
        options.binary_location = MINIBROWSER
        options.add_argument("--automation")
        log = str(self._workdir / f"webkitwebdriver-{self._restarts}.log")
        service = Service(executable_path=WEBKIT_DRIVER, log_output=log, env=self._env)
        # Selenium's HTTP client takes its timeout from the socket default when it is made
        # (its documented fallback); without one, a command to a wedged browser never returns.
        previous = socket.getdefaulttimeout()
        socket.setdefaulttimeout(COMMAND_SECONDS)
        try:
            return webdriver.WebKitGTK(options=options, service=service)
        finally:
            socket.setdefaulttimeout(previous)

    def _restart_driver(self, why: BaseException) -> None:
        """End a wedged browser (its WebKitWebDriver and every process under it) and start another."""
        assert self._restarts < MAX_RESTARTS, f"WebKit wedged again after {self._restarts} restarts: {why!r}"
        self._restarts += 1
        self._kill_driver(why)
        self._driver = self._start_driver()

    def _kill_driver(self, why: BaseException) -> None:
        print(f"WebKit: ending a browser that did not answer ({why!r})")  # shown with the test's output
        with contextlib.suppress(psutil.NoSuchProcess):
            driver_process = psutil.Process(self._driver.service.process.pid)
            for process in [*driver_process.children(recursive=True), driver_process]:
                with contextlib.suppress(psutil.NoSuchProcess):
                    process.kill()

    def _start_console_run(self, url: str, index: int) -> threading.Timer:
        """A plain MiniBrowser on ``url`` for CONSOLE_SECONDS; the timer closes it and keeps what it printed."""
        output = self._workdir / f"minibrowser-console-{index}.log"
        with open(output, "w") as log:
            process = subprocess.Popen(
                # Line-buffered: WebKit's web process is killed with the browser, and its buffer with it.
                ["stdbuf", "-oL", "-eL", MINIBROWSER, "--enable-write-console-messages-to-stdout=true", url],
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._console_processes.append(process)
        timer = threading.Timer(CONSOLE_SECONDS, self._close_console_run, args=(url, process, output))
        timer.start()
        return timer

    def _close_console_run(self, url: str, process: subprocess.Popen, output: Path) -> None:
        # A browser that did not last the whole time saw nothing worth trusting.
        lasted = process.poll() is None
        if lasted:
            process.terminate()
            process.wait(10)
        text = output.read_text()
        self._console_seen[url] = (
            lasted,
            text if lasted else f"MiniBrowser for {url} exited {process.returncode}: {text}",
        )

    def open(self, url: str, width: int, height: int) -> None:
        # WebKitGTK 2.50 under Xvfb sometimes wedges on a load: its web process spins at 100 % and
        # the WebDriver never answers (seen in about one full run in five on a loaded machine).
        # That is the harness's browser failing, not the page: the command times out, the browser
        # is replaced, and the page is loaded once more in the new one.
        try:
            self._open(url, width, height)
        except UNANSWERED as error:
            self._restart_driver(error)
            self._open(url, width, height)

    def _open(self, url: str, width: int, height: int) -> None:
        self._opened = (url, width, height)
        if self._chrome_height is None:
            # What the window spends on its (shrunk) toolbar, measured once.
            self._driver.set_window_size(width, height)
            self._chrome_height = height - self._driver.execute_script("return window.innerHeight")
        self._driver.set_window_size(width, height + self._chrome_height)
        # No switch to the top document first: evaluate() always ends there, and navigation acts
        # on the top-level context anyway.
        self._driver.get(url)

    def evaluate(self, expression: str, frame: str) -> Any:
        try:
            return self._evaluate(expression, frame)
        except WEDGED as error:
            if self._opened is None:
                raise
            # Wedged while a test reads the page: a new browser loads the same page, and the
            # reading is taken there once it (and the widget's frame) answers.
            self._restart_driver(error)
            self._open(*self._opened)
            reading: list[Any] = []

            def answered() -> bool:
                try:
                    reading[:] = [self._evaluate(expression, frame)]
                except WebDriverException:
                    return False  # still loading: no widget frame yet
                return True

            wait_until(answered, 30, "the page loaded again in a new WebKit")
            return reading[0]

    def _evaluate(self, expression: str, frame: str) -> Any:
        self._driver.switch_to.default_content()
        if frame != "top":
            self._driver.switch_to.frame(self._driver.find_element("css selector", "iframe"))
        try:
            return self._driver.execute_script(f"return {expression}")
        finally:
            self._driver.switch_to.default_content()

    def screenshot(self, path: Path) -> None:
        # The driver captures the viewport only: for the whole page, the window is made as tall as
        # the page for the shot (the width, hence the layout across, stays).
        size = self._driver.get_window_size()
        page_height = self._driver.execute_script("return document.documentElement.scrollHeight")
        self._driver.set_window_size(size["width"], page_height + self._chrome_height)
        try:
            self._driver.save_screenshot(str(path))
        finally:
            self._driver.set_window_size(size["width"], size["height"])

    def console_errors(self, url: str) -> list[str]:
        if url in self._console_runs:
            self._finish_console_run(url)
        # MiniBrowser writes every frame's messages as "[URL:LINE:COLUMN: ]CONSOLE [SOURCE ]LEVEL MESSAGE"
        # (console.error() has no source; uncaught exceptions are "JS", refused posts "SECURITY").
        line = re.compile(r"^(?:(\S+):\d+:\d+: )?CONSOLE (?:(\S+) )?ERROR (.*)$", re.MULTILINE)
        return [
            f"console {source or 'console'}: {message} ({where or '?'})"
            for where, source, message in line.findall(self._console_seen[url][1])
        ]

    def _finish_console_run(self, url: str) -> None:
        self._console_runs.pop(url).join()  # the timer has closed the browser and kept its output
        lasted, text = self._console_seen[url]
        assert lasted, text

    def close(self) -> None:
        for timer in self._console_runs.values():  # console runs nobody asked about: end them now
            timer.cancel()
            timer.join()
        for process in self._console_processes:
            if process.poll() is None:
                process.terminate()
                process.wait(10)
        try:
            self._driver.quit()
        except UNANSWERED as error:
            self._kill_driver(error)
        self._xvfb.terminate()
        self._xvfb.wait(10)
        self._xvfb_log.close()
