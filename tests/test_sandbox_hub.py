"""The sandbox hub speaks SignalR the way ASP.NET Core does (signalr.md §1.8 and §4)."""

import json
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
from websockets.exceptions import ConnectionClosed, InvalidStatus

from sandbox import Sandbox
from tests.rawhub import RS, RawHub, is_push
from tests.waiting import ShiftedClock, wait_until

ROOT = Path(__file__).resolve().parent.parent
CONFORMANCE = ROOT / "tests" / "js" / "signalr_conformance.js"


def token_for(sandbox) -> str:
    body = {"PartnerClientId": 1, "Secret": "sandbox-secret"}
    return requests.post(sandbox.api_url + "/auth/token", json=body, timeout=5).json()["token"]


# -- the official JavaScript client -------------------------------------------------------------


@pytest.mark.parametrize("mode", ["negotiate", "skip"])
def test_the_official_signalr_client_connects_subscribes_and_stays_connected(sandbox, token, mode):
    assert shutil.which("node"), "Node is needed for the @microsoft/signalr conformance test"
    result = subprocess.run(
        ["node", str(CONFORMANCE), sandbox.hub_url, token, mode, "6", "3500"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/usr/local/bin", "SERVER_TIMEOUT_MS": "2500"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[0]["event"] == "connected"
    assert (events[0]["connectionId"] is None) == (mode == "skip")
    sequence = next(e["sIds"] for e in events if e["event"] == "pushes")
    assert len(sequence) >= 5
    assert sequence == sorted(sequence) and len(set(sequence)) == len(sequence)
    # Survived 3.5 s with a 2.5 s server timeout: the sandbox's pings (every 1 s here) work.
    assert {"event": "still-connected", "state": "Connected"} in events
    assert events[-1] == {"event": "ok"}


# -- signalrcore, the Python client the worker uses ----------------------------------------------


@pytest.mark.parametrize("skip_negotiation", [False, True])
def test_signalrcore_connects_subscribes_and_receives_increasing_sids(sandbox, token, skip_negotiation):
    from signalrcore.hub_connection_builder import HubConnectionBuilder

    import betcore.hub  # noqa: F401  (installs the non-hanging dispose)

    received, opened = [], threading.Event()
    hub = (
        HubConnectionBuilder()
        .with_url(
            sandbox.hub_url, options={"access_token_factory": lambda: token, "skip_negotiation": skip_negotiation}
        )
        .build()
    )  # no protocol override: signalrcore's own handshake version 0 must be accepted
    hub.on_open(opened.set)
    hub.on("SubOnWholeGamesInfo", lambda args: received.append(args[0]["sId"]))
    hub.start()
    assert opened.wait(5)
    hub.send("Subscribe", ["SubOnWholeGamesInfo", json.dumps({"GameType": 3, "PartnerClientId": 1, "Count": 1})])
    wait_until(lambda: len(received) >= 5, timeout=10, what="five pushes through signalrcore")
    hub.stop()
    assert received == sorted(received)


# -- the wire, frame by frame ----------------------------------------------------------------------


def test_handshake_reply_then_a_ping_then_pushes_without_invocation_id(sandbox, token):
    hub = RawHub(sandbox.hub_url, token)
    first = hub.ws.recv(timeout=5)
    assert first.startswith("{}" + RS)  # nothing before the handshake reply, and it ends with 0x1E
    hub.buffer = first[3:]
    *complete, hub.buffer = hub.buffer.split(RS)
    hub._pending = [json.loads(c) for c in complete]
    assert hub.next_record() == {"type": 6}
    hub.subscribe(3)
    hub.subscribe(1, invocation_id="7")
    assert hub.wait_for(lambda r: r.get("type") == 3) == {"type": 3, "invocationId": "7"}
    pushes = [hub.wait_for(is_push) for _ in range(4)]
    assert all("invocationId" not in push for push in pushes)
    assert {push["arguments"][0]["wgi"][0]["t"] for push in pushes} == {1, 3}
    payload = pushes[0]["arguments"][0]
    assert set(payload) >= {"sId", "tst", "im", "bt", "wgi"}
    assert set(payload["wgi"][0]) >= {"i", "t", "ge", "lrId", "s", "ps", "cr", "sdt"}
    assert all(frame.endswith(RS) for frame in hub.frames)
    hub.close()


@pytest.mark.parametrize("version", [0, 1, 2])
def test_handshake_versions_0_to_2_are_accepted(sandbox, token, version):
    hub = RawHub(sandbox.hub_url, token, version=version, query_token=False)
    assert hub.next_record() == {}
    hub.close()


def test_unsupported_handshakes_get_an_error_then_close(sandbox, token):
    hub = RawHub(sandbox.hub_url, token, version=3)
    assert "does not support version 3" in hub.next_record()["error"]
    with pytest.raises(ConnectionClosed):
        hub.ws.recv(timeout=5)


def test_a_bad_subscription_gets_a_completion_error(sandbox, token):
    hub = RawHub(sandbox.hub_url, token)
    hub.subscribe(999, invocation_id="a")
    assert hub.wait_for(lambda r: r.get("type") == 3) == {
        "type": 3,
        "invocationId": "a",
        "error": "Unknown GameType 999",
    }
    hub.subscribe(3, invocation_id="b", partner=42)
    assert "PartnerClientId" in hub.wait_for(lambda r: r.get("type") == 3)["error"]
    hub.close()


@pytest.mark.parametrize("token_value", [None, "garbage"])
def test_missing_or_invalid_tokens_are_refused_with_401(sandbox, token_value):
    with pytest.raises(InvalidStatus) as refused:
        RawHub(sandbox.hub_url, token_value)
    assert refused.value.response.status_code == 401
    negotiate = requests.post(sandbox.hub_url + "/negotiate?negotiateVersion=1", timeout=5)
    assert negotiate.status_code == 401


def test_negotiate_answers_version_1_with_a_url_safe_token_and_version_0_without(sandbox, token):
    headers = {"Authorization": f"Bearer {token}"}
    v1 = requests.post(sandbox.hub_url + "/negotiate?negotiateVersion=1", headers=headers, timeout=5).json()
    assert v1["negotiateVersion"] == 1
    assert v1["availableTransports"] == [{"transport": "WebSockets", "transferFormats": ["Text", "Binary"]}]
    assert all(c.isalnum() or c in "-_" for c in v1["connectionToken"])
    assert "useStatefulReconnect" not in v1 and "ProtocolVersion" not in v1
    v0 = requests.post(sandbox.hub_url + "/negotiate", headers=headers, timeout=5).json()
    assert v0["negotiateVersion"] == 0 and "connectionToken" not in v0


def test_an_unknown_connection_id_is_404(sandbox, token):
    from websockets.sync.client import connect

    with pytest.raises(InvalidStatus) as refused:
        connect(sandbox.hub_url.replace("http", "ws") + f"?id=nope&access_token={token}", open_timeout=5)
    assert refused.value.response.status_code == 404


def test_token_expiry_mid_stream_sends_close_with_allow_reconnect():
    with Sandbox(token_lifetime=2, ping_interval=1) as sandbox:
        hub = RawHub(sandbox.hub_url, token_for(sandbox))
        hub.subscribe(3)
        close = hub.wait_for(lambda r: r.get("type") == 7, timeout=6)
        assert close == {"type": 7, "error": "Token expired", "allowReconnect": True}
        with pytest.raises(ConnectionClosed):
            hub.ws.recv(timeout=5)


def test_pings_keep_coming_and_a_silent_client_is_dropped():
    with Sandbox(ping_interval=0.5, client_timeout=2) as sandbox:
        hub = RawHub(sandbox.hub_url, token_for(sandbox))
        started = time.monotonic()
        pings = 0
        with pytest.raises(ConnectionClosed):
            while True:
                for record in hub.records(timeout=5):
                    pings += record == {"type": 6}
                    if record.get("type") == 7:
                        assert "timeout" in record["error"].lower()
        assert pings >= 3
        assert 1.8 < time.monotonic() - started < 4


def test_reconnecting_continues_the_partner_sid(sandbox, token):
    first = RawHub(sandbox.hub_url, token)
    first.subscribe(3)
    last_before = [first.wait_for(is_push)["arguments"][0]["sId"] for _ in range(3)][-1]
    first.close()
    second = RawHub(sandbox.hub_url, token)
    second.subscribe(3)
    after = second.wait_for(is_push)["arguments"][0]["sId"]
    assert after > last_before
    second.close()


# -- controls ---------------------------------------------------------------------------------------


def test_drop_connections_cuts_every_socket(sandbox, token):
    hubs = [RawHub(sandbox.hub_url, token) for _ in range(2)]
    for hub in hubs:
        hub.subscribe(3)
        hub.wait_for(is_push)
    assert sandbox.drop_connections() == 2
    for hub in hubs:
        with pytest.raises(ConnectionClosed):
            while True:
                hub.records(timeout=5)


def test_pause_stops_pushes_but_not_pings(sandbox, token):
    hub = RawHub(sandbox.hub_url, token)
    hub.subscribe(3)
    hub.wait_for(is_push)
    sandbox.pause_pushes()
    # A marker sent after the pause took effect: pushes already on their way arrive before it
    # (one send lock per socket, taken in order), so whatever follows it was sent while paused.
    sandbox.send_malformed_frame("type")
    hub.wait_for(lambda r: r.get("type") == "invocation")
    # Pings come every 1 s, pushes every 0.5 s: unpaused, pushes would come between the pings.
    assert [hub.next_record(timeout=3) for _ in range(2)] == [{"type": 6}, {"type": 6}]
    sandbox.resume_pushes()
    assert hub.wait_for(is_push)
    hub.close()


@pytest.mark.parametrize("kind", ["json", "schema", "type", "binary"])
def test_malformed_frames_are_sent_on_request(sandbox, token, kind):
    hub = RawHub(sandbox.hub_url, token)
    hub.next_record()
    assert sandbox.send_malformed_frame(kind) == 1
    frame = ""
    while "SubOnWholeGamesInfo" not in frame and "invocation" not in frame and "garbage" not in frame:
        frame = hub.ws.recv(timeout=5)
    assert frame.endswith(RS)
    hub.close()


def test_hostile_mode_puts_markup_in_translations(sandbox, token):
    sandbox.set_hostile(True)
    rows = requests.get(sandbox.api_url + "/games/types/translations", params={"access_token": token}, timeout=5).json()
    assert any("<" in row["name"] for row in rows)


def test_payload_can_be_sent_as_a_json_string(sandbox, token):
    sandbox.set_payload_as_string(True)
    hub = RawHub(sandbox.hub_url, token)
    hub.subscribe(3)
    payload = hub.wait_for(is_push)["arguments"][0]
    assert isinstance(payload, str)
    assert json.loads(payload)["wgi"][0]["t"] == 3
    hub.close()


def test_refusing_connections_answers_503_for_a_while(sandbox, token, clock):
    sandbox.refuse_connections(1.0)
    with pytest.raises(InvalidStatus) as refused:
        RawHub(sandbox.hub_url, token)
    assert refused.value.response.status_code == 503
    clock.advance(1.1)
    RawHub(sandbox.hub_url, token).close()


def test_short_token_lifetime_and_maintenance_controls(sandbox):
    sandbox.set_token_lifetime(5)
    claims = requests.post(
        sandbox.api_url + "/auth/token", json={"PartnerClientId": 1, "Secret": "sandbox-secret"}, timeout=5
    )
    assert claims.json()["expiresIn"] == 5
    sandbox.start_maintenance(3, 30)
    hub = RawHub(sandbox.hub_url, token_for(sandbox))
    hub.subscribe(3)
    assert hub.wait_for(is_push)["arguments"][0]["im"] is True
    hub.close()


def test_controls_work_over_http_too(sandbox):
    response = requests.post(sandbox.base_url + "/_sandbox/control", json={"action": "pause", "seconds": 5}, timeout=5)
    assert response.json() == {"ok": True, "result": None}
    assert requests.get(sandbox.base_url + "/_sandbox/status", timeout=5).json()["paused"] is True
    bad = requests.post(sandbox.base_url + "/_sandbox/control", json={"action": "explode"}, timeout=5)
    assert bad.status_code == 400
    assert "actions:" in bad.json()["error"]


def test_a_seed_makes_the_simulation_reproducible():
    from sandbox.simulation import Simulation

    runs = []
    for _ in range(2):
        simulation = Simulation(seed=11, start=1000.0)
        for second in range(0, 600, 3):
            simulation.advance(1000.0 + second)
        runs.append((simulation.rounds.keys(), simulation.jackpots, simulation.whole_games_info(3, 1600.0)))
    assert runs[0] == runs[1]
    other = Simulation(seed=12, start=1000.0)
    assert other.jackpots != runs[0][1]


def test_an_expired_token_is_refused_on_negotiate_and_upgrade():
    clock = ShiftedClock()
    with Sandbox(token_lifetime=1, clock=clock) as sandbox:
        token = token_for(sandbox)
        clock.advance(2.1)
        with pytest.raises(InvalidStatus) as refused:
            RawHub(sandbox.hub_url, token)
        assert refused.value.response.status_code == 401
        headers = {"Authorization": f"Bearer {token}"}
        assert requests.post(sandbox.hub_url + "/negotiate", headers=headers, timeout=5).status_code == 401


def test_an_oversized_frame_is_sent_on_request(sandbox, token):
    hub = RawHub(sandbox.hub_url, token)
    hub.next_record()
    assert sandbox.send_oversized_frame(2 * 1024 * 1024) == 1
    record = hub.wait_for(lambda r: "pad" in str(r.get("arguments", ""))[:200])
    assert len(record["arguments"][0]["pad"]) == 2 * 1024 * 1024
    hub.close()
