"""Wrong BETCORE credentials: said once and clearly, in /readyz and the log, and not hammered."""

import logging

import pytest

from betcore.rest import BetcoreRest, CredentialsRejected
from feed.store import get_store
from sandbox import Sandbox
from tests.running_worker import RunningWorker
from tests.waiting import ShiftedClock, until

pytestmark = pytest.mark.django_db


async def test_wrong_secret_gives_the_reason_in_readyz_and_at_most_six_token_calls_a_minute(async_client, caplog):
    caplog.set_level(logging.INFO)
    # One clock for the REST client's backoff and the hub's wait for it (the worker hands the REST
    # client's clock to its hub supervisor): the test moves the minute forward instead of living through it.
    clock = ShiftedClock()
    with Sandbox(seed=1, ping_interval=1.0) as sandbox:
        async with RunningWorker(
            sandbox, secret="not-the-secret", store=get_store(), jackpots_poll=0.5, clock=clock
        ) as running:
            started = clock()

            async def readyz() -> dict:
                body = (await async_client.get("/readyz")).json()
                # Until the first refusal it says "has not reported" while the worker starts.
                return body if body["reason"].startswith("credentials") else {}

            body = await until(readyz, 5, "/readyz giving the credentials reason")
            assert body["reason"] == "credentials rejected by BETCORE (103752): Wrong credentials"
            assert body["ready"] is False

            rest = running.worker.rest
            calls = sandbox.status()["token_calls"]
            assert calls >= 1
            # Jump to each moment the backoff allows the next token request, while it is within the
            # minute: the worker makes that request (nobody waits for the backoff in real time).
            while (retry_at := rest.auth_retry_at) - started < 60:
                clock.advance(retry_at - clock())
                await until(
                    lambda before=calls: sandbox.status()["token_calls"] > before,
                    10,
                    f"token request {calls + 1} after its backoff",
                )
                calls = sandbox.status()["token_calls"]
                assert calls <= 6, f"{calls} token calls before {retry_at - started:.0f} s"
            # The next one is held back past the first minute: at most six in it.
            assert rest.auth_retry_at - started >= 60
            assert sandbox.status()["token_calls"] == calls
            assert 1 <= calls <= 6, f"{calls} token calls in the first minute"
            assert running.worker.hub.stats.sessions == 0
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("betcore")]
    assert len(errors) == 1, "one clear error line, then quieter retries"
    assert errors[0].startswith("credentials rejected by BETCORE (103752): Wrong credentials; partner 1;")
    assert "not-the-secret" not in caplog.text


def test_the_backoff_is_shared_and_doubles_to_five_minutes():
    with Sandbox(seed=1) as sandbox:
        now = [1000.0]
        rest = BetcoreRest(sandbox.api_url, 1, "wrong", clock=lambda: now[0])
        delays = []
        for _ in range(12):
            with pytest.raises(CredentialsRejected) as raised:
                rest.token()
            delays.append(raised.value.retry_at - now[0])
            calls = sandbox.status()["token_calls"]
            with pytest.raises(CredentialsRejected):  # every other caller: same error, no request
                rest.jackpots()
            assert sandbox.status()["token_calls"] == calls
            now[0] = raised.value.retry_at
        assert delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]
        assert rest.credentials_problem == "credentials rejected by BETCORE (103752): Wrong credentials"
