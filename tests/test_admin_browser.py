"""The partner admin in real Chromium: from nothing to an embedded widget with only the UI.

Runs against `manage.py serve` (one process, in-memory layer) and, for what crosses
processes (admin changes reaching open widgets, viewer counts), against two daphne
processes and a feed worker on Redis and PostgreSQL.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest
from playwright.sync_api import expect
from websockets.sync.client import connect

from tests.processes import ROOT, Cluster
from tests.served_app import ARTIFACTS, axe_violations
from tests.waiting import last_reading

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PASSWORD = "admin-test-pw-0123"
CREATE_ADMIN = (
    "from django.contrib.auth.models import User; "
    "User.objects.filter(username='partner').exists() or "
    f"User.objects.create_superuser('partner', 'p@e.com', '{PASSWORD}')"
)


@pytest.fixture(scope="module")
def single(app):
    env = {"DEBUG": "1", "DATABASE_URL": app["database_url"], "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "manage.py", "shell", "-c", CREATE_ADMIN], cwd=ROOT, env=env, check=True)
    return {"admin": app["base"], "viewer": app["base"], "widget": app["widget"].split("/")[2]}


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    """Admin on one daphne process, viewers on another, on Redis: shared by the module's tests."""
    running = Cluster(tmp_path_factory.mktemp("admin-cluster"))
    running.manage("shell", "-c", CREATE_ADMIN)
    running.worker("worker")
    _, first = running.web("web-1")
    _, second = running.web("web-2")
    yield {
        "cluster": running,
        "admin": f"http://127.0.0.1:{first}",
        "viewer": f"http://127.0.0.1:{second}",
        "widget": running.widget_id,
    }
    running.close()


@pytest.fixture(params=["single", "two_processes"])
def site(request):
    """Admin and viewer on the same process (single) or on two daphne processes on Redis (cluster)."""
    return request.getfixturevalue(request.param)


def log_in(browser, base: str, width: int = 1280, height: int = 800):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page = context.new_page()
    page.goto(base + "/admin/login/")
    page.fill("#id_username", "partner")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    return context, page


def set_value(page, selector: str, value: str) -> None:
    page.locator(selector).evaluate(
        "(el, value) => { el.value = value; el.dispatchEvent(new Event('input', {bubbles: true}));"
        " el.dispatchEvent(new Event('change', {bubbles: true})); }",
        value,
    )


def in_viewport(page, selector: str) -> dict:
    return page.locator(selector).evaluate(
        "el => { const r = el.getBoundingClientRect(); return {left: r.left, top: r.top, right: r.right,"
        " bottom: r.bottom, width: innerWidth, height: innerHeight}; }"
    )


def test_a_partner_builds_a_theme_and_a_widget_from_scratch_with_only_the_ui(single, browser):
    context, page = log_in(browser, single["admin"])
    page.goto(single["admin"] + "/admin/widget/theme/add/")
    preview = page.frame_locator(".bw-preview")
    preview.locator('.bw-status[data-state="live"]').wait_for(timeout=8000)
    # Beside the form, whole, without scrolling, at 1280x800.
    box, form = in_viewport(page, ".bw-preview-stage"), in_viewport(page, "#theme_form")
    assert box["left"] >= form["left"] + 400 and box["top"] >= 0 and box["bottom"] <= box["height"], (box, form)
    # An edit shows in the preview within 200 ms (measured in the page: input to painted style).
    took = page.locator("#id_accent").evaluate(
        """el => new Promise(resolve => {
             const start = performance.now();
             el.value = '#aa0055'; el.dispatchEvent(new Event('input', {bubbles: true}));
             const game = document.querySelector('.bw-preview').contentDocument.querySelector('.bw-game');
             const poll = () => getComputedStyle(game).borderLeftColor === 'rgb(170, 0, 85)'
               ? resolve(performance.now() - start) : requestAnimationFrame(poll);
             poll();
           })"""
    )
    print(f"the preview followed a colour edit in {took:.0f} ms")
    assert took < 200, f"the preview followed the edit after {took:.0f} ms"
    # Device widths and the dark switch act on the real page.
    page.get_by_role("button", name=re.compile("Tablet")).click()
    assert preview.locator("html").evaluate("el => el.clientWidth") == 768
    page.get_by_role("button", name="Dark", exact=True).click()
    assert preview.locator(".bw-root").get_attribute("data-scheme") == "dark"
    page.get_by_role("button", name=re.compile("Phone")).click()

    # A weak accent: saved, with a warning naming the pair.
    page.fill("#id_name", "Partner blue")
    set_value(page, "#id_accent", "#3b82f6")
    page.locator('.bw-contrast td[data-verdict="warning"]').first.wait_for(timeout=3000)
    page.click("input[name=_continue]")
    warning = page.locator(".messagelist .warning")
    assert "Accent on background (#3b82f6 on #ffffff) is 3.7:1" in warning.text_content()
    # Text at 2:1 is refused, with the pair named; nothing is saved.
    set_value(page, "#id_text", "#b3b3b3")
    page.locator('.bw-contrast td[data-verdict="refused"]').first.wait_for(timeout=3000)
    page.click("input[name=_continue]")
    errors = page.locator(".errorlist.nonfield").first.text_content()
    assert "Text on background (#b3b3b3 on #ffffff) is 2.1:1" in errors, errors
    page.screenshot(path=str(ARTIFACTS / "admin-theme-refused.png"), full_page=True)
    set_value(page, "#id_text", "#111827")
    set_value(page, "#id_accent", "#1d4ed8")
    page.click("input[name=_save]")
    page.locator(".messagelist .success").wait_for()

    # The widget: game types ticked from the feed's offer, in the order chosen.
    page.goto(single["admin"] + "/admin/widget/widget/add/")
    page.fill("#id_name", "Partner widget")
    page.select_option("#id_theme", label="Partner blue")
    boxes = page.locator('input[name="game_types"]')
    offered = [int(value) for value in boxes.evaluate_all("els => els.map(el => el.value)")]
    assert offered and 99 not in offered, "only game types the feed offers can be ticked"
    labels = page.locator(".bw-order-item label").all_text_contents()
    assert all(not label.strip().startswith("#") for label in labels), f"names, not bare ids: {labels}"
    first, second = offered[0], offered[1]
    page.check(f'input[name="game_types"][value="{second}"]')
    page.check(f'input[name="game_types"][value="{first}"]')
    page.locator(f'.bw-order-item:has(input[value="{second}"]) .bw-move[data-move="-1"]').click()
    page.fill("#id_allowed_origins", f"http://localhost:{single['admin'].rsplit(':', 1)[1]}")
    # A forged id (a box whose value was changed in the page) is refused with the valid list.
    page.locator(f'input[name="game_types"][value="{offered[2]}"]').evaluate(
        "el => { el.value = '99'; el.checked = true; }"
    )
    page.click("input[name=_continue]")
    error = page.locator(".errorlist").first.text_content()
    assert "does not offer game type 99" in error and f"{first} (" in error, error
    if page.locator('input[name="game_types"][value="99"]').count():  # not offered: not even shown again
        page.uncheck('input[name="game_types"][value="99"]')
    page.click("input[name=_continue]")
    page.locator(".messagelist .success").wait_for()
    chosen = page.locator('input[name="game_types"]:checked').evaluate_all("els => els.map(el => Number(el.value))")
    assert chosen == [second, first], "the order chosen is the order kept"
    frame = page.frame_locator(".bw-preview")
    frame.locator(f'.bw-game[data-t="{second}"]').wait_for(timeout=5000)
    assert frame.locator(".bw-game").evaluate_all("els => els.map(el => Number(el.dataset.t))") == [second, first]

    # The embed builder: language and scheme in both snippets; no fixed-height iframe.
    page.select_option("#bw-embed-lang", "ru")
    page.select_option("#bw-embed-scheme", "dark")
    script = page.locator("#bw-embed-script").input_value()
    assert 'data-lang="ru"' in script and 'data-scheme="dark"' in script and "/static/widget/embed.js" in script
    plain = page.locator("#bw-embed-iframe").input_value()
    assert "lang=ru" in plain and "scheme=dark" in plain and 'addEventListener("message"' in plain
    assert "480px" not in plain
    page.select_option("#bw-embed-lang", "page")
    assert 'data-lang="page"' in page.locator("#bw-embed-script").input_value()
    copy = page.locator('.bw-copy[data-copy="bw-embed-script"]')
    copy.click()
    # Locator expectations, not wait_for_function: the pages' CSP refuses the eval that polling needs.
    expect(page.locator(".bw-copy").first).to_have_text("Copied", timeout=2000)
    assert page.evaluate("navigator.clipboard.readText()") == page.locator("#bw-embed-script").input_value()
    expect(page.locator(".bw-copy").first).to_have_text("Copy", timeout=3000)
    page.screenshot(path=str(ARTIFACTS / "admin-widget-built.png"), full_page=True)
    # The snippet from the widget list too.
    page.goto(single["admin"] + "/admin/widget/widget/")
    page.get_by_role("button", name="Copy the embed snippet of Partner widget").click()
    assert "embed.js" in page.evaluate("navigator.clipboard.readText()")
    context.close()


def test_an_open_widget_follows_a_saved_theme_and_goes_offline_when_switched_off(site, browser):
    viewer = browser.new_context(viewport={"width": 360, "height": 740})
    widget_page = viewer.new_page()
    widget_page.goto(f"{site['viewer']}/w/{site['widget']}/")
    widget_page.locator('.bw-status[data-state="live"]').wait_for(timeout=8000)
    context, admin = log_in(browser, site["admin"])
    admin.goto(site["admin"] + "/admin/widget/theme/")
    admin.get_by_role("link", name="Default").click()
    colour = "#7c2d12" if "7c2d12" not in admin.locator("#id_accent").input_value() else "#14532d"
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    set_value(admin, "#id_accent", colour)
    admin.click("input[name=_save]")
    saved = time.monotonic()
    expect(widget_page.locator(".bw-game").first).to_have_css(
        "border-left-color", f"rgb({red}, {green}, {blue})", timeout=2000
    )
    assert time.monotonic() - saved < 2
    admin.goto(site["admin"] + "/admin/widget/widget/")
    admin.get_by_role("link", name="Demo widget").click()
    admin.uncheck("#id_enabled")
    admin.click("input[name=_save]")
    saved = time.monotonic()
    widget_page.locator('.bw-status[data-state="offline"]').wait_for(timeout=2000)
    assert time.monotonic() - saved < 2
    admin.goto(site["admin"] + "/admin/widget/widget/")
    admin.get_by_role("link", name="Demo widget").click()
    admin.check("#id_enabled")
    admin.click("input[name=_save]")
    context.close()
    viewer.close()


def shown_viewers(page, base: str, public_id: str) -> tuple[int, int, int]:
    """The count as the widget list, the widget's page and the admin index show it."""
    page.goto(base + "/admin/widget/widget/")
    listed = int(page.locator('#result_list tr:has(a:text-is("Demo widget")) td.field-viewers').text_content())
    page.get_by_role("link", name="Demo widget").click()
    on_page = int(page.locator(".field-viewers_now .readonly").text_content())
    page.goto(base + "/admin/")
    on_index = int(page.locator(f'.bw-viewers[data-widget="{public_id}"]').text_content())
    return listed, on_page, on_index


def wait_for_count(page, base: str, public_id: str, expected: int, timeout: float = 15.0) -> None:
    shown = last_reading(lambda: shown_viewers(page, base, public_id), lambda seen: seen == (expected,) * 3, timeout)
    assert shown == (expected,) * 3, f"expected {expected} viewers everywhere, the admin shows {shown}"


def test_the_admin_counts_the_viewers_of_every_web_process(two_processes, browser):
    cluster = two_processes
    public_id = cluster["widget"]
    context, page = log_in(browser, cluster["admin"])
    wait_for_count(page, cluster["admin"], public_id, 0)
    sockets = []
    for base in (cluster["admin"], cluster["admin"], cluster["viewer"]):
        url = base.replace("http", "ws") + f"/ws/w/{public_id}/"
        # These viewers read only their snapshot: with keepalive pings, unread updates would
        # hold back the pongs (the client stops reading when its queue is full) and drop them.
        sockets.append(connect(url, origin=base, open_timeout=5, ping_interval=None))
        sockets[-1].recv(timeout=5)  # the snapshot: joined
    wait_for_count(page, cluster["admin"], public_id, 3)
    for connection in sockets[1:]:  # one on each web process goes away
        connection.close()
    wait_for_count(page, cluster["admin"], public_id, 1)
    sockets[0].close()
    context.close()


def filled_in(page) -> None:
    """What the admin's scripts add after the load is there: the preview's widget and the contrast verdicts."""
    if page.locator("iframe.bw-preview").count():
        preview = page.frame_locator("iframe.bw-preview")
        preview.locator(".bw-root[data-ready]").wait_for(state="attached", timeout=10000)
    if page.locator("#theme_form").count() and page.locator(".bw-contrast").count():  # (a theme's page only)
        page.locator(".bw-contrast td[data-verdict]").first.wait_for(state="attached", timeout=10000)


def test_the_admin_fits_1280_and_768_and_axe_finds_nothing_in_what_the_project_adds(single, browser):
    context, page = log_in(browser, single["admin"])
    page.goto(single["admin"] + "/admin/widget/widget/")
    table, updated = in_viewport(page, "#result_list"), in_viewport(page, "#result_list th.column-changed")
    assert table["right"] <= table["width"] and updated["right"] <= updated["width"], (table, updated)
    pages = ["/admin/", "/admin/widget/widget/", "/admin/widget/theme/add/", "/admin/widget/widget/1/change/"]
    for path in pages:
        page.goto(single["admin"] + path)
        filled_in(page)
        assert axe_violations(page) == [], path
    context.close()
    context, page = log_in(browser, single["admin"], width=768, height=1024)
    for path in ("/admin/widget/widget/1/change/", "/admin/widget/theme/add/", "/admin/"):
        page.goto(single["admin"] + path)
        filled_in(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 768, path
    page.goto(single["admin"] + "/admin/widget/widget/1/change/")
    stage = in_viewport(page, ".bw-preview-stage")
    assert stage["right"] <= 768, "the preview goes below the form, within the width"
    page.screenshot(path=str(ARTIFACTS / "admin-widget-768.png"), full_page=True)
    context.close()
