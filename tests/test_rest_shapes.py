"""REST bodies in every shape BETCORE's documentation leaves possible (docs/betcore.md), and results read as text."""

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from betcore.rest_answers import JackpotRow, parse_jackpots, parse_round_info, parse_translations
from betcore.value_parsing import MessageError
from feed.widget_protocol import RESULT_TEXT_LIMIT, result_fields, result_text

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=40,
)


@pytest.mark.parametrize(
    ("body", "rows"),
    [
        (43196.62, [JackpotRow(0, "", 43196.62)]),
        ("43196.62", [JackpotRow(0, "", 43196.62)]),
        ({"amount": 10, "currencyCode": "eur"}, [JackpotRow(0, "EUR", 10.0)]),
        ({"Amount": 10, "GameType": 3}, [JackpotRow(3, "", 10.0)]),
        ({"EUR": 1.5, "USD": "2"}, [JackpotRow(0, "EUR", 1.5), JackpotRow(0, "USD", 2.0)]),
        ([{"currencyCode": "TRY", "amount": 7}], [JackpotRow(0, "TRY", 7.0)]),
        ([{"gameType": "3", "currency": "usd", "accumulated": 9}], [JackpotRow(3, "USD", 9.0)]),
        ({"_responseCode": 1, "data": {"amount": 5}}, [JackpotRow(0, "", 5.0)]),
        ({"data": [{"gameType": 1, "currencyCode": "EUR", "amount": 3}]}, [JackpotRow(1, "EUR", 3.0)]),
        ([{"gameType": 1, "currencyCode": "EUR"}, {"amount": True}, "x"], []),
    ],
)
def test_jackpot_shapes(body, rows):
    assert list(parse_jackpots(body)) == rows


@pytest.mark.parametrize("body", [{"pot": "big"}, None, "not a number", True])
def test_jackpot_bodies_without_an_amount_say_so(body):
    with pytest.raises(MessageError):
        parse_jackpots(body)


@pytest.mark.parametrize(
    "body",
    [
        [{"gameType": 3, "languageCode": "ru", "name": "Покер"}],
        [{"gameType": "3", "name": "Покер"}],
        [{"GameType": 3.0, "Name": "Покер"}],
        {"3": "Покер"},
        {"data": [{"id": "3", "translation": "Покер"}]},
    ],
)
def test_translation_shapes(body):
    assert parse_translations(body) == {3: "Покер"}


@pytest.mark.parametrize(
    "body",
    [
        {"i": 7, "t": 3, "s": 3, "result": {"combination": "Flush"}},
        {"game": {"i": 7, "t": 3, "s": 3}, "result": {"combination": "Flush"}},
        {"i": "7", "gameType": 3, "state": 3, "combination": "Flush"},
        {"_responseCode": 1, "data": {"id": 7, "t": 3, "s": 3, "gameResult": {"combination": "Flush"}}},
    ],
)
def test_round_info_with_the_result_under_a_key_nested_or_inline(body):
    info = parse_round_info(body)
    assert (info.id, info.game_type, info.state) == (7, 3, 3)
    assert dict(info.result) == {"combination": "Flush"}


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_body_parses_to_typed_rows_or_raises_message_error(body):
    for parse in (parse_jackpots, parse_translations, parse_round_info):
        try:
            parsed = parse(body)
        except MessageError:
            continue
        if parse is parse_jackpots:
            assert all(isinstance(r.game_type, int) and isinstance(r.currency, str) for r in parsed)
            assert all(math.isfinite(r.amount) for r in parsed)
        elif parse is parse_translations:
            assert all(isinstance(k, int) and isinstance(v, str) for k, v in parsed.items())
        else:
            assert isinstance(parsed.id, int) and isinstance(parsed.game_type, int)


@settings(max_examples=500, deadline=None)
@given(json_values)
def test_a_result_of_any_shape_reads_as_bounded_non_empty_text(result):
    text = result_text(result)
    assert text.strip()
    assert len(text) <= RESULT_TEXT_LIMIT
    fields = result_fields(result)
    assert fields is None or len(json.dumps(fields, ensure_ascii=False)) <= 2048


def test_known_and_unknown_results_read_naturally():
    assert result_text({"dice": [2, 6], "total": 8}) == "2 · 6 · 8"
    assert result_text({"o": [{"k": "x7", "v": [3, 9]}, {"k": "y", "v": []}], "ok": True, "meta": None}) == (
        "x7 · 3 · 9 · y · ok: yes"
    )
    assert result_text({}) == "—"
    assert result_text({"note": "a\n\tb"}) == "a b"
    assert len(result_text({"n": list(range(500))})) == RESULT_TEXT_LIMIT
