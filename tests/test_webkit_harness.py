"""The WebKit harness replaces a browser that stops answering, instead of waiting on it forever."""

import functools
import signal
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import psutil

from tests.engines import webkit


def freeze(browser: webkit.WebKit) -> psutil.Process:
    """What the wedge looks like from outside: the page's web process does not answer."""
    driver = psutil.Process(browser._driver.service.process.pid)
    web_processes = [p for p in driver.children(recursive=True) if "WebKitWebProcess" in " ".join(p.cmdline())]
    assert web_processes, "MiniBrowser runs its pages in WebKitWebProcess"
    for process in web_processes:
        process.send_signal(signal.SIGSTOP)
    return driver


def test_a_wedged_webkit_is_replaced_and_the_page_loaded_again(tmp_path, monkeypatch):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<!doctype html><title>t</title><h1>here</h1>")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path / "site"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/index.html"
    monkeypatch.setattr(webkit, "COMMAND_SECONDS", 10.0)  # the harness's own bound, made short here
    browser = webkit.WebKit(tmp_path / "webkit", [])
    try:
        browser.open(url, 360, 740)
        assert browser.evaluate("document.querySelector('h1').textContent", "top") == "here"
        driver = freeze(browser)
        browser.open(url + "?again", 360, 740)
        assert browser.evaluate("location.search", "top") == "?again", "the page is loaded in the new browser"
        assert not driver.is_running() or driver.status() == psutil.STATUS_ZOMBIE
        # Wedged while the test reads the page, not while it opens one: the reading is taken
        # from the same page in another new browser.
        freeze(browser)
        assert browser.evaluate("location.search", "top") == "?again"
        assert browser.evaluate("document.querySelector('h1').textContent", "top") == "here"
    finally:
        browser.close()
        server.shutdown()
