"""The viewer's language: the widget's own words from our catalogues, game names from BETCORE's."""

import json
import re
from html import escape

import pytest
from django.conf import settings
from django.utils import translation

from feed.snapshot import read_snapshot
from feed.store import MemoryStore, get_store
from sandbox import Sandbox
from tests.languages import LEGITIMATELY_IDENTICAL
from tests.running_worker import RunningWorker
from tests.waiting import until
from widget.feed_interest import wanted_from_widgets
from widget.labels import widget_labels

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_russian_viewer_gets_russian_names_with_no_widget_configured_in_russian(widget, async_client):
    assert widget.language == "en"
    with Sandbox(seed=2, ping_interval=1.0) as sandbox:
        async with RunningWorker(sandbox, store=get_store(), wanted=wanted_from_widgets):

            async def turkish_names_stored() -> bool:
                return "names:tr" in await get_store().get_many(["names:tr"])

            await until(turkish_names_stored, 10, "Turkish names stored")
            page = await async_client.get(f"/w/{widget.public_id}/?lang=ru")
            assert "Покер" in page.content.decode()
            for language, poker in (("es", "Póquer"), ("pt", "Pôquer"), ("tr", "Poker"), ("en", "Poker")):
                snapshot = await read_snapshot(get_store(), [3, 1], language, "EUR", "en")
                assert snapshot["names"]["3"] == poker and snapshot["lang"] == language


async def test_names_fall_back_per_game_type_to_the_widget_default_then_english():
    store = MemoryStore()
    await store.set_many({"names:en": {"1": "Dice", "3": "Poker", "5": "Baccarat"}, "names:es": {"3": "Póquer"}})
    await store.set_many({"names:ru": {"1": "Кости"}})
    snapshot = await read_snapshot(store, [1, 3, 5, 9], "ru", None, "es")
    assert snapshot["names"] == {"1": "Кости", "3": "Póquer", "5": "Baccarat"}  # 9 has none: the page shows #9


def _flat(labels: dict, prefix: str = "") -> dict[str, str]:
    flat = {}
    for key, value in labels.items():
        flat |= _flat(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key: value}
    return flat


def _page_labels(page: str) -> dict[str, str]:
    match = re.search(r'<script id="bw-labels" type="application/json">(.*?)</script>', page, re.S)
    assert match, "the page hands its labels to the browser code"
    return _flat(json.loads(match.group(1)))


def _html_lang(page: str) -> str | None:
    match = re.search(r"<html\b[^>]*\blang=\"([^\"]*)\"", page)
    return match.group(1) if match else None


ENGLISH = "en"
OTHER_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != ENGLISH]


@pytest.mark.django_db
@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_the_widget_page_has_no_english_left_in_another_language(client, widget, language):
    page = client.get(f"/w/{widget.public_id}/?lang={language}").content.decode()
    assert _html_lang(page) == language
    labels = _page_labels(page)
    with translation.override(ENGLISH):
        english = _flat(widget_labels())
    assert labels.keys() == english.keys()
    left_in_english = {
        key: text
        for key, text in labels.items()
        if text == english[key] and (language, english[key]) not in LEGITIMATELY_IDENTICAL
    }
    assert left_in_english == {}
    # And the words painted before any script runs.
    assert f'<button type="button" class="bw-pause" aria-pressed="false">{escape(labels["pause"])}</button>' in page
    assert f'aria-label="{escape(labels["results"])}"' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "pause", "results"),
    [("ar", "إيقاف مؤقت", "النتائج"), ("fa", "توقف", "نتایج")],
)
def test_the_widget_page_in_a_right_to_left_language_says_so_and_speaks_it(client, widget, language, pause, results):
    page = client.get(f"/w/{widget.public_id}/?lang={language}").content.decode()
    assert _html_lang(page) == language
    assert f">{pause}</button>" in page and f'aria-label="{results}"' in page
    assert _page_labels(page)["pause"] == pause


@pytest.mark.django_db
def test_azerbaijani_in_latin_script_stays_left_to_right(client, widget):
    # Django's LANG_INFO still marks "az" bidi (Arabic-script Azerbaijani), so the page's
    # direction must come from get_language_bidi() (settings.LANGUAGES_BIDI), not from it.
    page = client.get(f"/w/{widget.public_id}/?lang=az").content.decode()
    assert _html_lang(page) == "az" and 'dir="rtl"' not in page
    with translation.override("az"):
        assert not translation.get_language_bidi()
    with translation.override("ar"):
        assert translation.get_language_bidi()


@pytest.mark.django_db
@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_the_unavailable_page_speaks_the_viewer_language(client, language):
    page = client.get(f"/w/no-such-widget/?lang={language}").content.decode()
    assert _html_lang(page) == language
    assert "This widget does not exist or is switched off." not in page and "Live games" not in page
