"""Who may read /readyz and /metrics: a malformed bearer token is a refusal, never an error."""

from __future__ import annotations

import ipaddress
import logging

import pytest
from django.test import override_settings

from feed.ops_access import bearer_matches

pytestmark = pytest.mark.django_db

TOKEN = "ops-token-for-tests-0123456789abcdef"
OUTSIDER = {"REMOTE_ADDR": "203.0.113.9"}


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.mark.parametrize("path", ["/readyz", "/metrics"])
def test_a_non_ascii_bearer_token_is_refused_without_an_error(client, path, caplog):
    with override_settings(OPS_TOKEN=TOKEN):
        response = client.get(path, HTTP_AUTHORIZATION="Bearer é…", **OUTSIDER)
    assert response.status_code == 403
    assert errors(caplog) == []


async def test_non_ascii_header_bytes_through_asgi_are_refused_too(async_client, caplog):
    # The ASGI path: the header arrives as bytes and Django decodes it as latin-1. The test
    # client connects from 127.0.0.1, so the allow-list here leaves loopback out.
    with override_settings(OPS_TOKEN=TOKEN, OPS_ALLOWED_NETWORKS=[ipaddress.ip_network("10.0.0.0/8")]):
        response = await async_client.get("/readyz", headers={"Authorization": "Bearer é"})
    assert response.status_code == 403
    assert errors(caplog) == []


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer ", "Bearer\x00", f"Basic {TOKEN}", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer é…"],
)
def test_anything_but_the_token_does_not_match(header):
    assert bearer_matches(header, TOKEN) is False


def test_the_token_matches_with_any_spelling_of_the_scheme_and_never_without_a_token():
    assert bearer_matches(f"Bearer {TOKEN}", TOKEN) is True
    assert bearer_matches(f"bearer {TOKEN} ", TOKEN) is True
    assert bearer_matches("Bearer ", "") is False  # no OPS_TOKEN configured: no token opens anything


def test_a_non_ascii_token_matches_the_bytes_a_client_sends():
    token = "ops-tökén-for-tests-0123456789"
    as_django_decodes_it = token.encode("utf-8").decode("latin-1")
    assert bearer_matches(f"Bearer {as_django_decodes_it}", token) is True
