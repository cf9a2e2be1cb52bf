"""BetcoreRest against a scripted HTTP server: retries, token handling, no secrets in logs."""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest

from betcore.rest import BetcoreError, BetcoreRest, jwt_expiry
from tests.waiting import ShiftedClock

SECRET = "very-secret-value"


class Script:
    """Answers per path from a queue of (status, body); the last entry repeats."""

    def __init__(self) -> None:
        self.answers: dict[str, list[tuple[int, object]]] = {}
        self.requests: list[tuple[str, str, dict]] = []

    def answer(self, method: str, path: str) -> tuple[int, object]:
        queue = self.answers.get(path, [(404, {"code": 404})])
        return queue.pop(0) if len(queue) > 1 else queue[0]


@pytest.fixture
def server():
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, method: str) -> None:
            path = self.path.split("?")[0]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            script.requests.append((method, path, {"auth": self.headers.get("Authorization"), "body": body}))
            status, payload = script.answer(method, path)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._reply("GET")

        def do_POST(self) -> None:
            self._reply("POST")

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    script.url = f"http://127.0.0.1:{httpd.server_address[1]}/api"
    yield script
    httpd.shutdown()


def make_jwt(lifetime: float) -> str:
    return jwt.encode({"sub": "1", "exp": int(time.time() + lifetime)}, "k" * 32, algorithm="HS256")


def client(server) -> BetcoreRest:
    return BetcoreRest(server.url, 1, SECRET, timeout=(1, 2))


def test_it_reads_expiry_from_the_jwt_when_the_response_has_none(server):
    token = make_jwt(600)
    server.answers["/api/auth/token"] = [(200, {"accessToken": token})]
    rest = client(server)
    assert rest.token() == token
    assert abs(rest.token_expires_at - jwt_expiry(token)) < 1
    assert json.loads(server.requests[0][2]["body"]) == {"PartnerClientId": 1, "Secret": SECRET}


def test_it_refreshes_before_expiry(server):
    server.answers["/api/auth/token"] = [(200, {"token": make_jwt(2)}), (200, {"token": make_jwt(600)})]
    clock = ShiftedClock()
    rest = BetcoreRest(server.url, 1, SECRET, timeout=(1, 2), clock=clock)
    first = rest.token()
    assert rest.token() == first  # cached while fresh
    clock.advance(2.0)  # 10% of a 2 s lifetime (at least 0.5 s) before expiry: refresh
    assert rest.token() != first
    assert len([r for r in server.requests if r[1] == "/api/auth/token"]) == 2


def test_wrong_credentials_surface_betcore_code_without_the_secret(server, caplog):
    server.answers["/api/auth/token"] = [(401, {"code": 103752, "message": "Wrong credentials"})]
    caplog.set_level(logging.DEBUG)
    with pytest.raises(BetcoreError) as failure:
        client(server).token()
    assert (failure.value.status, failure.value.code) == (401, 103752)
    assert SECRET not in str(failure.value) and SECRET not in caplog.text
    assert len(server.requests) == 1  # a 4xx is never retried


def test_5xx_and_connection_errors_are_retried_4xx_are_not(server):
    server.answers["/api/auth/token"] = [(200, {"token": make_jwt(600)})]
    server.answers["/api/jackpots/accumulated"] = [
        (503, {}),
        (502, {}),
        (200, [{"gameType": 3, "currencyCode": "EUR", "amount": 5}]),
    ]
    rest = client(server)
    assert rest.jackpots()[0].amount == 5.0
    assert len([r for r in server.requests if r[1] == "/api/jackpots/accumulated"]) == 3
    server.answers["/api/games/types/translations"] = [(400, {"code": 1}), (200, [])]
    with pytest.raises(BetcoreError):
        rest.translations("en")
    assert len([r for r in server.requests if r[1] == "/api/games/types/translations"]) == 1
    dead = BetcoreRest("http://127.0.0.1:9/api", 1, SECRET, timeout=(0.2, 0.2), retries=2)
    with pytest.raises(BetcoreError, match="token request failed"):
        dead.token()


def test_a_401_reauthenticates_once(server):
    old, new = make_jwt(600), make_jwt(900)
    server.answers["/api/auth/token"] = [(200, {"token": old}), (200, {"token": new})]
    server.answers["/api/games/info"] = [(401, {}), (200, {"i": 5, "t": 3, "s": 3, "result": {"n": 1}})]
    info = client(server).game_info(5)
    assert info.id == 5 and dict(info.result) == {"n": 1}
    auths = [r[2]["auth"] for r in server.requests if r[1] == "/api/games/info"]
    assert auths == [f"Bearer {old}", f"Bearer {new}"]
    server.answers["/api/games/info"] = [(401, {})]
    with pytest.raises(BetcoreError, match="401"):
        client(server).game_info(5)


def test_unknown_round_is_none_and_enveloped_bodies_are_unwrapped(server):
    server.answers["/api/auth/token"] = [(200, {"token": make_jwt(600)})]
    server.answers["/api/games/info"] = [(404, {"code": 404})]
    rest = client(server)
    assert rest.game_info(1) is None
    server.answers["/api/games/types/translations"] = [
        (200, {"_responseCode": 1, "data": [{"gameType": 3, "name": "Poker"}]})
    ]
    assert rest.translations("en") == {3: "Poker"}


def test_repr_never_shows_the_secret(server):
    assert SECRET not in repr(client(server))
