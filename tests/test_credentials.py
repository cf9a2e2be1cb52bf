"""Wrong BETCORE credentials: said once and clearly, in /readyz and the log, and not hammered."""

import asyncio
import logging
import time

import pytest

from betcore.rest import BetcoreRest, CredentialsRejected
from feed.store import get_store
from sandbox import Sandbox
from tests.running_worker import RunningWorker

pytestmark = pytest.mark.django_db


async def test_wrong_secret_gives_the_reason_in_readyz_and_at_most_six_token_calls_a_minute(async_client, caplog):
    caplog.set_level(logging.INFO)
    with Sandbox(seed=1, ping_interval=1.0) as sandbox:
        async with RunningWorker(sandbox, secret="not-the-secret", store=get_store(), jackpots_poll=0.5) as running:
            started = time.monotonic()
            reason = ""
            while time.monotonic() - started < 5:
                body = (await async_client.get("/readyz")).json()
                reason = body["reason"]
                if reason.startswith("credentials"):  # until then: "has not reported" while it starts
                    break
                await asyncio.sleep(0.2)
            assert reason == "credentials rejected by BETCORE (103752): Wrong credentials"
            assert body["ready"] is False

            await asyncio.sleep(60 - (time.monotonic() - started))
            calls = sandbox.status()["token_calls"]
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
