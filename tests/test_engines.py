"""The widget page and the demo partner page in three browser engines, at two phone sizes.

Chromium, WebKit and Gecko (``tests/engines``: how each is driven), each started once for this
module. At 360x740 and 320x640, each opens the widget page and the partner page (which embeds the
widget from another origin with ``embed.js``) and checks, in the widget's own document
(``tests/js/engine_measure.js``, the same script in every engine):

- the viewport is exactly the phone's;
- live: the status says live, then something only the socket changes (a round, a phase, the newest
  result) changes;
- results in every game, each drawn by its game's renderer (or said to be cancelled), and no
  "undefined"/"NaN" on the page;
- card headers on one line (their parts on one row, none on two lines, the header no taller than
  its parts) and no element in a card whose content is wider than its box; nothing sideways;
- on the partner page, the iframe as tall as the widget's content (within 1 px);
- no console errors and no uncaught exceptions in either frame: Chromium and Gecko report them
  through their drivers during the visit; WebKit's come from a plain MiniBrowser that loads the same
  page (see ``tests/engines/webkit.py``). Chromium logs nothing when a cross-site ``postMessage`` is
  refused for its target origin; Gecko and WebKit log an error.

One full-page screenshot per engine, page and size goes to ``test-artifacts/engines/``.

The Debian packages: chromium, firefox-esr, webkit2gtk-driver, libwebkit2gtk-4.1-0, xvfb, xauth and
fonts-dejavu-core (Firefox's default sans-serif, the widest of the three engines' fonts); `make test`
installs the missing ones. puppeteer-core comes from package.json.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.engines import JS, NEEDS, Engine, start
from tests.processes import ROOT
from tests.waiting import last_reading

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ARTIFACTS = ROOT / "test-artifacts" / "engines"
# One expression (parenthesised: a leading comment must not end a `return` line in Selenium).
MEASURE = "(\n" + (JS / "engine_measure.js").read_text() + "\n)"
FRAME_HEIGHT = "document.querySelector('.betcore-widget iframe').getBoundingClientRect().height"
VIEWPORT = "({width: window.innerWidth, height: window.innerHeight})"

SIZES = [(360, 740), (320, 640)]
PAGES = ["widget", "partner"]


SERVE_ENV = {"SANDBOX_SPEED": "4"}  # conftest's `app`: rounds four times as fast


def prepare_app(running: dict[str, Any]) -> dict[str, str]:
    """The widget page and the demo partner page of conftest's `app` (sandbox, worker and daphne in one process)."""
    return {
        "widget": running["base"] + running["widget"],
        # The partner page is on another origin (localhost) than the widget (127.0.0.1).
        "partner": f"http://localhost:{running['port']}/demo/partner/?widget_origin={running['base']}",
    }


@pytest.fixture(scope="module", params=["chromium", "webkit", "gecko"])
def engine(
    request: pytest.FixtureRequest, app: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """One engine at a time, started once for all the pages and sizes (they take seconds to start)."""
    missing = [path for path in NEEDS[request.param] if not os.path.exists(path)]
    if missing:
        pytest.fail(f"{request.param} needs {missing}: run `make system-deps` (as root) and `npm ci`")
    started = start(request.param, tmp_path_factory.mktemp(f"engine-{request.param}"), [app[p] for p in PAGES])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield started
    started.close()


def header_problems(game: dict[str, Any]) -> list[str]:
    """Why a card header is not one line: a part on several lines, parts on several rows, or a
    header taller than its parts."""
    head, name = game["head"], game["name"]
    problems = [
        f"{name}: {part['part']} {part['text']!r} on {part['lines']} lines"
        for part in head["parts"]
        if part["lines"] > 1
    ]
    if head["rows"] > 1:
        where = ", ".join(f"{part['part']} at y={part['top']:.0f}" for part in head["parts"])
        problems.append(f"{name}: header parts on {head['rows']} rows ({where})")
    if head["height"] > head["span"] + 1:
        problems.append(f"{name}: header {head['height']:.0f} px tall for {head['span']:.0f} px of parts")
    return problems


def is_ready(reading: dict[str, Any]) -> bool:
    """Live, with results in every game."""
    return reading["status"] == "live" and bool(reading["games"]) and all(g["drawn"] for g in reading["games"])


def signatures(reading: dict[str, Any]) -> list[str]:
    return [game["signature"] for game in reading["games"]]


@dataclass
class Visit:
    first: dict[str, Any]  # the first reading live with results (or the last one, if never)
    last: dict[str, Any]  # after the socket changed something (or gave up waiting)
    viewport: dict[str, int]
    frame_height: float | None  # the iframe's, on the partner page
    errors: list[str]


def visit(engine: Engine, url: str, page: str, width: int, height: int) -> Visit:
    """Open ``url``, wait for it to be live and for the socket to change something, take a screenshot."""
    frame = "widget" if page == "partner" else "top"
    engine.open(url, width, height)

    def measure() -> dict[str, Any]:
        return engine.evaluate(MEASURE, frame)

    first = last_reading(measure, is_ready, timeout=20)
    # Rounds last 7-11 s at the sandbox's fourfold speed; phases change every few seconds.
    last = first
    if is_ready(first):
        last = last_reading(measure, lambda reading: signatures(reading) != signatures(first), timeout=30)
    frame_height = None
    if page == "partner":
        # The iframe takes its height from the widget's messages: give the last one a moment to land.
        settled = last_reading(
            lambda: {"frame": engine.evaluate(FRAME_HEIGHT, "top"), "reading": measure()},
            lambda both: abs(both["frame"] - both["reading"]["contentHeight"]) <= 1,
            timeout=5,
        )
        frame_height, last = settled["frame"], settled["reading"]
    viewport = engine.evaluate(VIEWPORT, "top")
    engine.screenshot(ARTIFACTS / f"{engine.name}-{page}-{width}x{height}.png")
    return Visit(first, last, viewport, frame_height, engine.console_errors(url))


def problems_seen(seen: Visit, width: int, height: int) -> list[str]:
    first, last = seen.first, seen.last
    problems = []
    if seen.viewport != {"width": width, "height": height}:
        problems.append(f"viewport {seen.viewport}, not {width}x{height}")
    if not is_ready(first):
        problems.append(f"not live with results in 20 s: status {first['status']}, games {first['games']}")
    elif signatures(last) == signatures(first):
        problems.append(f"nothing the socket changes changed in 30 s (still {signatures(first)})")
    problems += [f"{word!r} shown" for word in ("undefined", "NaN") if re.search(rf"\b{word}\b", last["text"])]
    for game in last["games"]:
        if not game["drawn"]:
            problems.append(f"{game['name']}: no result drawn")
        if game["raw"]:
            problems.append(f"{game['name']}: results shown as the feed's text, not drawn: {game['raw']}")
        problems += header_problems(game)
        problems += [f"{game['name']}: clipped {element}" for element in game["clipped"]]
    if last["overflowX"] > 0:
        problems.append(f"the widget's page scrolls sideways by {last['overflowX']} px")
    if seen.frame_height is not None and abs(seen.frame_height - last["contentHeight"]) > 1:
        problems.append(f"iframe {seen.frame_height} px tall for {last['contentHeight']} px of content")
    if seen.errors:
        problems.append(f"{len(seen.errors)} console errors, first: {sorted(set(seen.errors))[:3]}")
    return problems


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("page", PAGES)
def test_the_page_is_live_drawn_unclipped_and_quiet(
    app: dict[str, str], engine: Engine, page: str, size: tuple[int, int]
) -> None:
    width, height = size
    seen = visit(engine, app[page], page, width, height)
    problems = problems_seen(seen, width, height)
    assert not problems, f"{engine.version}, {page} page at {width}x{height}:\n" + "\n".join(problems)
