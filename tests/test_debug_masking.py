"""DEBUG=1 error pages from a real daphne: no password of the database or Redis, whatever failed.

Each test starts the app as a deployment would (environment variables only) against a
service that is down, refuses the password or never answers, each with its own password,
and reads the 500 page: it must be Django's debug page, and the password nowhere in it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from tests.processes import ROOT, Proc, free_port, wait_until_answers

DEBUG_PAGE = "You’re seeing this error because you have <code>DEBUG = True</code>"
SECRET_KEY = "debug-masking-test-key-0123456789abcdefghij"


def app_env(**extra: str) -> dict[str, str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BETCORE_", "REDIS_URL", "DATABASE_URL", "DJANGO_", "OPS_"))
    }
    # A short wait for a pooled database connection: the debug page of a database that is down
    # repeats the wait for every lazy value it prints (the current user, template contexts).
    settings = {"DEBUG": "1", "SECRET_KEY": SECRET_KEY, "DATABASE_POOL_TIMEOUT": "1", "PYTHONUNBUFFERED": "1"}
    return {**base, **settings, **extra}


@pytest.fixture
def debug_server(tmp_path: Path) -> Iterator[Callable[..., tuple[str, Proc]]]:
    """Starts daphne with DEBUG=1 and the given environment; gives its base URL and process."""
    procs: list[Proc] = []

    def start(**env: str) -> tuple[str, Proc]:
        port = free_port()
        args = [sys.executable, "-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", str(port)]
        proc = Proc(f"daphne-{len(procs)}", [*args, "feedsite.asgi:application"], app_env(**env), tmp_path)
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        assert wait_until_answers(f"{url}/livez"), proc.output()[-2000:]
        return url, proc

    yield start
    for proc in procs:
        proc.stop()


def assert_debug_page_without(response: requests.Response, *secrets: str) -> None:
    body = response.text
    assert response.status_code == 500, (response.status_code, body[:500])
    assert DEBUG_PAGE in body, body[:500]
    for secret in secrets:
        assert secret not in body
        assert quote(secret, safe="") not in body


def assert_no_secret(response: requests.Response, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in response.text
        assert quote(secret, safe="") not in response.text


# PostgreSQL -------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_database_that_is_down_leaves_its_password_out_of_the_debug_page(debug_server):
    password = "pg-Down/Zebra@4417"  # percent-encoded in the URL, plain in the client's arguments
    url, _ = debug_server(DATABASE_URL=f"postgres://feeduser:{quote(password, safe='')}@127.0.0.1:{free_port()}/feed")
    # Pages that need the database: some fail (500, the debug page), some answer 503 by design.
    paths = ["/demo/partner/", "/", "/w/AAAAAAAAAAAAAAAA/", "/w/AAAAAAAAAAAAAAAA/theme.css", "/readyz"]
    responses = [requests.get(f"{url}{path}", timeout=60) for path in paths]
    debug_pages = [response for response in responses if response.status_code == 500]
    assert debug_pages, [response.status_code for response in responses]
    for response in debug_pages:
        assert_debug_page_without(response, password)
    for response in responses:
        assert_no_secret(response, password)


@pytest.mark.slow
def test_a_login_while_the_database_is_down_shows_neither_password(debug_server):
    database_password = "pg-Login-Heron-5521"
    typed = "typed-Walrus-8830"
    url, _ = debug_server(DATABASE_URL=f"postgres://feeduser:{database_password}@127.0.0.1:{free_port()}/feed")
    session = requests.Session()
    session.get(f"{url}/admin/login/", timeout=30)
    form = {"username": "admin", "password": typed, "csrfmiddlewaretoken": session.cookies["csrftoken"]}
    response = session.post(f"{url}/admin/login/", data=form, timeout=60)
    assert_debug_page_without(response, database_password, typed)


@pytest.fixture(scope="module")
def password_postgres() -> Iterator[int]:
    """A throwaway PostgreSQL cluster that wants a password over TCP; gives its port."""
    bindir = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
    directory = Path(tempfile.mkdtemp(prefix="pg-debug-masking-"))
    owner: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(directory, "postgres", "postgres")
        owner = ["runuser", "-u", "postgres", "--"]
    pwfile = directory / "pwfile"
    pwfile.write_text("the-right-password-9931\n")
    if owner:
        shutil.chown(pwfile, "postgres", "postgres")
    data, port = directory / "data", free_port()

    def run(*args: str) -> None:
        subprocess.run([*owner, *args], check=True, capture_output=True, timeout=120)

    run(f"{bindir}/initdb", "-D", str(data), "-U", "postgres", "-N", f"--pwfile={pwfile}")
    (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n")
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1"
    run(f"{bindir}/pg_ctl", "-D", str(data), "-o", options, "-l", str(directory / "log"), "-w", "start")
    try:
        yield port
    finally:
        run(f"{bindir}/pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.slow
def test_a_database_that_refuses_the_password_leaves_it_out_of_the_debug_page(debug_server, password_postgres):
    wrong = "pg-Wrong-Otter-7342"
    url, server = debug_server(DATABASE_URL=f"postgres://postgres:{wrong}@127.0.0.1:{password_postgres}/postgres")
    assert_debug_page_without(requests.get(f"{url}/demo/partner/", timeout=60), wrong)
    server.wait_for_output("password authentication failed")  # the failure we meant to cause


# Redis ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def admin_session(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A migrated SQLite database with a superuser: (DATABASE_URL, session cookie value)."""
    database_url = f"sqlite:///{tmp_path_factory.mktemp('debug-masking')}/db.sqlite3"
    env = app_env(DATABASE_URL=database_url)

    def manage(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    manage("migrate", "--noinput", "--verbosity", "0")
    script = (
        "from django.contrib.auth import get_user_model; from django.test import Client; "
        "user = get_user_model().objects.create_superuser('admin', 'admin@example.com', 'admin-pw-2291'); "
        "client = Client(); client.force_login(user); "
        "from django.conf import settings; print(client.cookies[settings.SESSION_COOKIE_NAME].value)"
    )
    return database_url, manage("shell", "-c", script).strip().splitlines()[-1]


def admin_add_widget(url: str, session_cookie: str) -> requests.Response:
    return requests.get(f"{url}/admin/widget/widget/add/", cookies={"sessionid": session_cookie}, timeout=120)


@pytest.mark.slow
def test_a_redis_that_is_down_leaves_its_password_out_of_the_debug_page(debug_server, admin_session):
    password = "redis-Down-Lynx-6604"
    database_url, cookie = admin_session
    url, _ = debug_server(DATABASE_URL=database_url, REDIS_URL=f"redis://:{password}@127.0.0.1:{free_port()}/0")
    assert_debug_page_without(admin_add_widget(url, cookie), password)


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (a hung Redis); gives the port."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stopping = threading.Event()

    def accept() -> None:
        while not stopping.is_set():
            try:
                connection, _ = server.accept()
            except OSError:  # closed at teardown
                return
            accepted.append(connection)  # kept open, never read, never answered

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stopping.set()
    server.close()
    for connection in accepted:
        connection.close()
    thread.join(5)


@pytest.mark.slow
def test_a_redis_that_hangs_leaves_its_password_out_of_the_debug_page(debug_server, admin_session, silent_listener):
    password = "redis-Hung-Badger-3318"
    database_url, cookie = admin_session
    url, _ = debug_server(DATABASE_URL=database_url, REDIS_URL=f"redis://:{password}@127.0.0.1:{silent_listener}/0")
    response = admin_add_widget(url, cookie)
    assert_debug_page_without(response, password)
    assert "TimeoutError" in response.text  # the hang we meant to cause, not some other failure


@pytest.fixture
def password_redis(tmp_path: Path) -> Iterator[int]:
    """A Redis of our own that wants a password (never the shared one); gives its port."""
    port = free_port()
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    args += ["--requirepass", "the-right-redis-password-5170", "--dir", str(tmp_path)]
    proc = Proc("redis", args, dict(os.environ), tmp_path)
    try:
        proc.wait_for_output("Ready to accept connections")
        yield port
    finally:
        proc.stop()


@pytest.mark.slow
def test_a_redis_that_refuses_the_password_leaves_it_out_of_the_debug_page(debug_server, admin_session, password_redis):
    wrong = "redis-Wrong-Marten-9057"
    database_url, cookie = admin_session
    url, _ = debug_server(DATABASE_URL=database_url, REDIS_URL=f"redis://:{wrong}@127.0.0.1:{password_redis}/0")
    response = admin_add_widget(url, cookie)
    assert_debug_page_without(response, wrong)
    assert "AuthenticationError" in response.text


# The filter on its own: the shapes the services leave behind ----------------------------

# Made at run time: the page also shows source lines, which must not be what gives them away.
SECRETS = {name: f"{name}-{uuid.uuid4().hex[:8]}" for name in ("kw", "deep", "auth", "args", "nested", "query")}
SECRETS |= {name: f"{name}-{uuid.uuid4().hex[:8]}" for name in ("wire", "repr", "typed", "get", "conninfo")}


def connect_like_a_database_client(conn_params: dict, conninfo: str, kwargs: dict, auth_args: tuple) -> None:
    redis_command = ("AUTH", "default", SECRETS["args"])  # a neutral name, a secret inside
    dsn = f"postgresql://u:{SECRETS['nested']}@db/x?sslpassword={SECRETS['query']}"
    nested = {"pool": {"options": [{"dsn": dsn}]}}
    wire = f"*3\r\n$4\r\nAUTH\r\n$7\r\ndefault\r\n$15\r\n{SECRETS['wire']}\r\n".encode()
    client_repr = f"Client(host='db', password='{SECRETS['repr']}')"
    client = type("Client", (), {"__repr__": lambda self: client_repr})()
    assert redis_command and nested and wire and client  # all in the frame when it fails
    raise ConnectionError(f"cannot reach {conn_params['host']}")


def debug_page_html(request: object, reporter: type | None = None) -> str:
    from django.views.debug import ExceptionReporter

    conninfo = f"host=db port=5432 user=feed password='{SECRETS['conninfo']} \\'quoted' dbname=feed"
    try:
        connect_like_a_database_client(
            conn_params={"host": "db", "password": SECRETS["kw"], "user": "feed"},
            conninfo=conninfo,
            kwargs={"options": {"Password": SECRETS["deep"]}},
            auth_args=("default", SECRETS["auth"]),
        )
    except ConnectionError:
        return (reporter or ExceptionReporter)(request, *sys.exc_info()).get_traceback_html()
    raise AssertionError("the client did not fail")


@pytest.mark.django_db
def test_the_debug_page_masks_every_shape_of_password_in_frames_and_request_data(rf, settings):
    settings.DEBUG = True
    request = rf.post("/admin/login/", {"username": "a", "password": SECRETS["typed"]})
    html = debug_page_html(request)  # Django's own reporter: the configured filter does it all
    assert "connect_like_a_database_client" in html and "conn_params" in html  # the frame is shown
    assert "&#x27;host&#x27;: &#x27;db&#x27;" in html  # and what is not secret in it
    for name, secret in SECRETS.items():
        assert secret not in html, name


@pytest.mark.django_db
def test_the_masking_reporter_also_masks_the_url_the_query_and_the_exception_text(rf, settings):
    from feedsite.errors import MaskingExceptionReporter

    settings.DEBUG = True
    request = rf.get("/w/x/", {"token": SECRETS["get"], "lang": "en"})
    try:
        raise ValueError(f"bad REDIS_URL redis://:{SECRETS['conninfo']}@host:port")
    except ValueError:
        html = MaskingExceptionReporter(request, *sys.exc_info()).get_traceback_html()
    assert "bad REDIS_URL redis://:" in html and "lang" in html
    assert SECRETS["get"] not in html and SECRETS["conninfo"] not in html


def test_configured_secrets_are_masked_wherever_they_appear(settings):
    from feedsite.errors import Masker, configured_secrets

    settings.REDIS_URL = "redis://:Configured-Redis-Pw@127.0.0.1:6379/0"
    settings.OPS_TOKEN = "Configured-Ops-Token-0123456789"
    masker = Masker(configured_secrets())
    shown = repr(masker.clean(["plain Configured-Redis-Pw", b"bytes Configured-Ops-Token-0123456789"]))
    assert "Configured-Redis-Pw" not in shown and "Configured-Ops-Token" not in shown
    assert "plain" in shown and "bytes" in shown


def test_settings_are_shown_with_their_passwords_masked(settings):
    from feedsite.errors import MaskingExceptionReporterFilter

    settings.DEBUG = True
    settings.CHANNEL_LAYERS = {"default": {"CONFIG": {"hosts": ["redis://user:Layer-Pw-99@redis:6379/0"]}}}
    settings.CACHES = {"default": {"BACKEND": "x", "OPTIONS": {"password": "Cache-Pw-98"}}}
    safe = repr(MaskingExceptionReporterFilter().get_safe_settings())
    assert "Layer-Pw-99" not in safe and "Cache-Pw-98" not in safe
    assert "redis://user:" in safe and "@redis:6379/0" in safe  # the rest of the URL is still there
