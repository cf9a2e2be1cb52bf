"""The signalrcore adapter checks what it relies on before the first connection."""

from __future__ import annotations

import pytest

from betcore import signalr_client
from betcore.signalr_client import FeedHubConnection, SignalrcoreMismatch
from betcore.signalr_protocol import TolerantJsonHubProtocol


def protocol() -> TolerantJsonHubProtocol:
    return TolerantJsonHubProtocol(lambda m: None, lambda m: None, lambda r: None, lambda: None)


def connect_nowhere() -> FeedHubConnection:
    """A connection object only (nothing is started)."""
    return FeedHubConnection("http://127.0.0.1:1/hub", protocol=protocol(), bearer_token="t", skip_negotiation=True)


def test_the_installed_signalrcore_passes_the_adapter_s_self_test():
    assert signalr_client.self_test().startswith("1.0.")


def test_a_hub_connection_has_every_private_name_the_adapter_reads():
    connection = connect_nowhere()
    signalr_client._check_connection(connection)  # raises if anything is missing


def test_a_missing_private_name_stops_the_connection_with_its_name(monkeypatch):
    signalr_client.self_test.cache_clear()
    attributes = dict(signalr_client.CLASS_ATTRIBUTES)
    attributes[signalr_client.BaseHubConnection] = ("_negotiate", "_renamed_in_a_later_release")
    monkeypatch.setattr(signalr_client, "CLASS_ATTRIBUTES", attributes)
    with pytest.raises(SignalrcoreMismatch, match=r"BaseHubConnection\._renamed_in_a_later_release"):
        connect_nowhere()
    signalr_client.self_test.cache_clear()


def test_an_unknown_signalrcore_version_is_refused(monkeypatch):
    signalr_client.self_test.cache_clear()
    monkeypatch.setattr(signalr_client, "version", lambda package: "2.0.0")
    with pytest.raises(SignalrcoreMismatch, match=r"signalrcore 2\.0\.0 is not a version"):
        signalr_client.self_test()
    signalr_client.self_test.cache_clear()
