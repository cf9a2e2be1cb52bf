import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from betcore.messages import betting_deadline, parse_push
from betcore.rest_answers import parse_jackpots, unwrap
from betcore.signalr_protocol import TolerantJsonHubProtocol
from betcore.value_parsing import MessageError, parse_timestamp

PUSH = {
    "sId": 4,
    "tst": "2025-01-01T12:00:00.1234567Z",
    "im": False,
    "bt": 1735732815,
    "wgi": [
        {"i": 1234567, "t": 3, "ge": 89012, "lrId": 1234566, "s": 2, "ps": 1, "cr": 5, "sdt": "2025-01-01T11:58:00"}
    ],
    "somethingNew": {"ignored": True},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-01T12:00:00.1234567Z", datetime(2025, 1, 1, 12, 0, 0, 123456, UTC)),
        ("2025-01-01T12:00:00Z", datetime(2025, 1, 1, 12, tzinfo=UTC)),
        ("2025-01-01T12:00:00", datetime(2025, 1, 1, 12, tzinfo=UTC)),
        ("2025-01-01T15:00:00.5+03:00", datetime(2025, 1, 1, 12, 0, 0, 500000, UTC)),
    ],
)
def test_timestamps_with_up_to_seven_digits_and_any_zone(text, expected):
    assert parse_timestamp(text) == expected


def test_a_push_as_object_or_json_string_gives_the_same_typed_message():
    as_object = parse_push([PUSH])
    as_string = parse_push([json.dumps(PUSH)])
    assert as_object == as_string
    assert as_object.sequence == 4
    assert as_object.games[0].game_type == 3
    assert as_object.betting_deadline() == 1735732815.0
    with pytest.raises(AttributeError):
        as_object.sequence = 5  # immutable


@pytest.mark.parametrize(
    ("bt", "expected"),
    [(None, None), (0, None), (1735732815, 1735732815.0), (1735732815123, 1735732815.123), (12, 1735732812.0)],
)
def test_bt_is_read_as_unix_seconds_unix_ms_or_seconds_left(bt, expected):
    sent = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert betting_deadline(bt, sent) == expected


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ([], "no arguments"),
        (["not json"], "not JSON"),
        ([{**PUSH, "wgi": "x"}], "wgi must be a list"),
        ([{**PUSH, "sId": "seven"}], "sId must be an integer"),
        ([{**PUSH, "tst": 5}], "timestamp"),
        ([{**PUSH, "im": "no"}], "im must be a boolean"),
        ([{**PUSH, "wgi": [{"t": 3}]}], "i must be an integer"),
    ],
)
def test_malformed_pushes_raise_message_error_with_a_reason(payload, reason):
    with pytest.raises(MessageError, match=reason):
        parse_push(payload)


def test_rest_bodies_with_or_without_an_envelope():
    rows = [{"gameType": 3, "currencyCode": "eur", "amount": 1.5}, {"gameType": "x"}]
    assert unwrap({"_responseCode": 1, "data": rows}) == rows
    assert parse_jackpots(rows)[0].currency == "EUR"
    assert len(parse_jackpots({"_responseCode": 1, "data": rows})) == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, st.fixed_dictionaries({"sId": json_values, "tst": json_values, "wgi": json_values})))
def test_any_payload_parses_or_raises_message_error(payload):
    try:
        parse_push([payload])
    except MessageError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200) | st.binary(max_size=200))
def test_any_frame_never_escapes_the_hub_protocol(frame):
    bad, invocations = [], []
    protocol = TolerantJsonHubProtocol(invocations.append, lambda m: None, bad.append, lambda: None)
    messages = protocol.parse_messages(frame)
    assert isinstance(messages, list)
    for invocation in invocations:
        try:
            parse_push(invocation.get("arguments"))
        except MessageError:
            pass
