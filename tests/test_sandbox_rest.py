import time

import jwt
import pytest
import requests

from sandbox import Sandbox
from tests.waiting import ShiftedClock, wait_until


def post_token(sandbox, body):
    return requests.post(sandbox.api_url + "/auth/token", json=body, timeout=5)


def get(sandbox, path, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(sandbox.api_url + path, headers=headers, params=params, timeout=5)


def test_good_credentials_get_a_signed_jwt_with_exp(sandbox):
    response = post_token(sandbox, {"PartnerClientId": 1, "Secret": "sandbox-secret"})
    assert response.status_code == 200
    body = response.json()
    assert body["token"] == body["accessToken"]
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert claims["sub"] == "1"
    assert claims["exp"] - claims["iat"] == body["expiresIn"] == 3600
    assert jwt.get_unverified_header(body["token"])["alg"] == "HS256"


def test_field_names_are_case_insensitive_like_aspnet(sandbox):
    assert post_token(sandbox, {"partnerClientId": "1", "secret": "sandbox-secret"}).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"PartnerClientId": 1, "Secret": "wrong"},
        {"PartnerClientId": 2, "Secret": "sandbox-secret"},
        {"PartnerClientId": 1},
        {"Secret": "sandbox-secret"},
        {"PartnerClientId": True, "Secret": "sandbox-secret"},
    ],
)
def test_wrong_credentials_answer_401_with_code_103752(sandbox, body):
    response = post_token(sandbox, body)
    assert response.status_code == 401
    assert response.json() == {"code": 103752, "message": "Wrong credentials"}


def test_a_body_that_is_not_json_is_a_400(sandbox):
    response = requests.post(sandbox.api_url + "/auth/token", data="nope", timeout=5)
    assert response.status_code == 400
    assert "JSON" in response.json()["message"]


@pytest.mark.parametrize("path", ["/games/info", "/games/types/translations", "/jackpots/accumulated", "/games"])
def test_every_get_requires_a_valid_token(sandbox, path):
    assert get(sandbox, path).status_code == 401
    assert get(sandbox, path, token="not.a.jwt").status_code == 401
    forged = jwt.encode(
        {"sub": "1", "exp": time.time() + 60}, "another-signing-key-of-32-bytes-or-more", algorithm="HS256"
    )
    assert get(sandbox, path, token=forged).status_code == 401


def test_an_expired_token_is_refused():
    clock = ShiftedClock()
    with Sandbox(token_lifetime=1, clock=clock) as sandbox:
        token = post_token(sandbox, {"PartnerClientId": 1, "Secret": "sandbox-secret"}).json()["token"]
        assert get(sandbox, "/jackpots/accumulated", token).status_code == 200
        clock.advance(2.1)
        assert get(sandbox, "/jackpots/accumulated", token).status_code == 401


def test_the_token_is_also_accepted_as_access_token_query(sandbox, token):
    response = requests.get(sandbox.api_url + "/games", params={"access_token": token}, timeout=5)
    assert response.status_code == 200
    assert {"gameType": 3, "name": "Poker"} in response.json()


def test_translations_in_five_languages_with_english_fallback(sandbox, token):
    names = {}
    for language in ("en", "ru", "es", "pt", "tr", "xx"):
        rows = get(sandbox, "/games/types/translations", token, languageCode=language).json()
        names[language] = {row["gameType"]: row["name"] for row in rows}
        assert {row["languageCode"] for row in rows} == {language if language != "xx" else "en"}
    assert names["en"][3] == "Poker"
    assert names["ru"][3] == "Покер"
    assert names["es"][3] == "Póquer"
    assert names["xx"] == names["en"]
    assert len({names[lang][2] for lang in ("en", "ru", "es", "pt", "tr")}) == 5


def test_finished_rounds_are_retrievable_and_unknown_ids_are_404():
    with Sandbox(seed=3, speed=20) as sandbox:
        token = post_token(sandbox, {"PartnerClientId": 1, "Secret": "sandbox-secret"}).json()["token"]
        first_round = min(r for r in sandbox.state.simulation.rounds if r // 1_000_000 == 3)
        # A round at 20x speed lasts about 2 s.
        info = wait_until(
            lambda: (answer := get(sandbox, "/games/info", token, gameId=first_round).json())["s"] in (3, 5) and answer,
            timeout=15,
            what="the first round finished or cancelled",
        )
        assert info["i"] == first_round
        assert info["t"] == 3
        assert info["s"] in (3, 5)
        assert (info["result"] is not None) == (info["s"] == 3)
        missing = get(sandbox, "/games/info", token, gameId=12)
        assert missing.status_code == 404
        assert missing.json() == {"code": 404, "message": "Game not found"}
        assert get(sandbox, "/games/info", token, gameId="abc").status_code == 400
        assert get(sandbox, "/games/info", token).status_code == 400


def test_jackpots_grow_and_filter_by_game_type_and_currency():
    clock = ShiftedClock()  # jackpots grow with the sandbox's clock: move it instead of waiting
    with Sandbox(seed=7, clock=clock) as sandbox:
        token = post_token(sandbox, {"PartnerClientId": 1, "Secret": "sandbox-secret"}).json()["token"]
        first = get(sandbox, "/jackpots/accumulated", token, gameType=3, currencyCode="eur").json()
        assert [(row["gameType"], row["currencyCode"]) for row in first] == [(3, "EUR")]
        clock.advance(1.2)
        later = get(sandbox, "/jackpots/accumulated", token, gameType=3, currencyCode="EUR").json()
        assert later[0]["amount"] > first[0]["amount"]
        everything = get(sandbox, "/jackpots/accumulated", token).json()
        assert len(everything) == 5 * 3


def test_the_simulation_follows_an_injected_clock():
    now = [1_700_000_000.0]
    with Sandbox(seed=3, clock=lambda: now[0]) as sandbox:
        simulation = sandbox.state.simulation
        first = {t: table.round.id for t, table in simulation.tables.items()}
        sandbox.state.advance()
        assert {t: table.round.id for t, table in simulation.tables.items()} == first, "no time passed"
        now[0] += 600  # ten simulated minutes, no waiting
        sandbox.state.advance()
        assert all(simulation.tables[t].round.id > first[t] for t in first), "every game moved on"
