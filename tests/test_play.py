"""The play app: play links on the partner's own origins, taps counted once a minute per socket,
viewers and taps batched into five-minute buckets, and the admin's charts of them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from channels.testing import WebsocketCommunicator
from django.core.exceptions import ValidationError

from feed.protocol.client import Tap, decode
from feed.protocol.schema import ProtocolError
from play import recorder as recorder_module
from play.audience import periods
from play.charts import bar_chart, line_chart, points
from play.config import play_config
from play.figures import BUCKET, SLOT, Batch, Bucket, bucket_of
from play.models import AudienceBucket, PlaySettings
from play.recorder import Recorder
from play.stores import DatabaseAudience, local_day
from play.taps import tapped
from play.validators import validate_play_template
from tests.admin_forms import widget_form_data

ORIGINS = ["https://partner.example", "http://localhost:8123"]
NOON = 1_795_000_000 - 1_795_000_000 % 86400 + 12 * 3600  # a UTC noon, on a bucket boundary


def inline_data(client, **fields: str) -> dict[str, str]:
    """The play inline's fields, with the management form of every inline the add page has."""
    page = client.get("/admin/widget/widget/add/")
    management = {}
    for inline in page.context["inline_admin_formsets"]:
        form = inline.formset.management_form
        management |= {form.add_prefix(name): str(form.initial.get(name, 0)) for name in form.fields}
    return management | {f"play-0-{name}": value for name, value in fields.items()}


@pytest.mark.parametrize(
    "template",
    [
        "https://partner.example/live/{gameType}?lang={lang}&round={roundId}",
        "https://partner.example:443/play#{gameType}",
        "http://localhost:8123/demo/?t={gameType}",
    ],
)
def test_a_template_on_a_partner_origin_with_known_placeholders_is_accepted(template):
    validate_play_template(template, ORIGINS)


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("https://evil.example/{gameType}", "partner origins"),
        ("http://partner.example/{gameType}", "https://"),
        ("javascript:alert(1)//partner.example", "https://"),
        ("https://{gameType}.partner.example/", "host"),
        ("https://partner.example/{game}", "Unknown placeholder {game}"),
        ("https://partner.example.evil.example/", "partner origins"),
        ("https://user@partner.example/", "https://"),
        ("//partner.example/{gameType}", "https://"),
    ],
)
def test_a_template_elsewhere_or_with_unknown_placeholders_is_refused(template, words):
    with pytest.raises(ValidationError, match=words.replace("{", r"\{").replace("}", r"\}")):
        validate_play_template(template, ORIGINS)


@pytest.mark.django_db
def test_settings_are_checked_against_the_widgets_origins_on_every_save(widget):
    with pytest.raises(ValidationError, match="partner origins"):
        PlaySettings.objects.create(widget=widget, url_template="https://elsewhere.example/{gameType}")
    with pytest.raises(ValidationError, match="responsible play page"):
        PlaySettings.objects.create(widget=widget, responsible_url="https://elsewhere.example/help")
    with pytest.raises(ValidationError, match="'xx'"):
        PlaySettings.objects.create(widget=widget, hidden_languages="tr, xx")
    settings = PlaySettings.objects.create(
        widget=widget,
        url_template="https://partner.example/g/{gameType}",
        age_mark="18+",
        responsible_url="https://partner.example/help",
        hidden_languages="TR, fa",
    )
    assert play_config(widget) == {
        "url": "https://partner.example/g/{gameType}",
        "newTab": False,
        "hide": False,
        "hiddenLanguages": ["tr", "fa"],
        "responsible": {"age": "18+", "text": "", "url": "https://partner.example/help"},
    }
    assert settings.pk


@pytest.mark.django_db
def test_without_settings_the_widget_shows_no_play_control(widget):
    assert play_config(widget)["url"] == ""
    assert play_config(widget)["responsible"] is None


@pytest.mark.django_db
def test_the_admin_refuses_a_play_link_on_a_foreign_origin(admin_client, theme, offered_names):
    data = widget_form_data(theme.pk, allowed_origins="https://partner.example") | inline_data(
        admin_client, url_template="https://evil.example/{gameType}"
    )
    response = admin_client.post("/admin/widget/widget/add/", data)
    assert response.status_code == 200
    errors = str(response.context["inline_admin_formsets"][0].formset.errors)
    assert "must be on one of this widget" in errors and "https://evil.example is not one of them" in errors
    assert not PlaySettings.objects.exists()


@pytest.mark.django_db
def test_the_admin_saves_a_play_link_with_the_origins_typed_in_the_same_form(admin_client, theme, offered_names):
    data = widget_form_data(theme.pk, allowed_origins="https://casino.example") | inline_data(
        admin_client, url_template="https://casino.example/live/{gameType}?lang={lang}", new_tab="on"
    )
    assert admin_client.post("/admin/widget/widget/add/", data).status_code == 302
    settings = PlaySettings.objects.get()
    assert settings.new_tab and settings.widget.name == "W"
    page = admin_client.get(f"/admin/widget/widget/{settings.widget.pk}/change/").content.decode()
    assert "https://casino.example/live/{gameType}?lang={lang}" in page
    assert page.count('<svg class="bw-chart"') == 6  # three charts, 24 hours and 14 days


class FakeConsumer:
    def __init__(self, widget, game_types=(3, 1)) -> None:
        self.widget, self.game_types, self.config_group = widget, list(game_types), "widget-config.x"


@pytest.mark.django_db
def test_a_socket_counts_one_tap_per_game_per_minute(widget, monkeypatch):
    counted = Recorder(store=lambda: None, counts=dict)  # type: ignore[arg-type,return-value]
    monkeypatch.setattr(recorder_module, "recorder", counted)
    viewer, other = FakeConsumer(widget), FakeConsumer(widget)
    assert tapped(viewer, Tap(3), now=100.0, at=NOON)
    assert not tapped(viewer, Tap(3), now=159.0, at=NOON)  # within the minute
    assert tapped(viewer, Tap(1), now=159.0, at=NOON)  # another game
    assert tapped(other, Tap(3), now=159.0, at=NOON)  # another socket
    assert tapped(viewer, Tap(3), now=160.0, at=NOON + 60)  # a minute later
    assert not tapped(viewer, Tap(5), now=200.0)  # a game type this widget does not show
    for bad in ('{"type": "tap", "t": "3"}', '{"type": "tap", "t": true}'):  # never reach the counter
        with pytest.raises(ProtocolError):
            decode(bad)
    viewer.config_group = None  # closed
    assert not tapped(viewer, Tap(1), now=999.0)
    preview = FakeConsumer(widget)
    preview.widget = type(widget)(name="Preview", public_id="preview", game_types="3")
    assert not tapped(preview, Tap(3), now=1.0)
    assert counted.pending.taps == {(widget.public_id, 3, NOON): 3, (widget.public_id, 1, NOON): 1}


class MemoryAudience:
    def __init__(self) -> None:
        self.writes: list[Batch] = []
        self.failing = False

    async def write(self, batch: Batch) -> None:
        if self.failing:
            raise ConnectionError("down")
        self.writes.append(batch)


async def test_viewers_are_sampled_once_per_slot_and_written_in_one_batch():
    store = MemoryAudience()
    counts = {"a": 5, "b": 2, "c": 0}
    recorder = Recorder(store=lambda: store, counts=lambda: counts, started=NOON - SLOT)  # type: ignore[arg-type,return-value]
    recorder.tap("a", 3, NOON + 1)
    recorder.tap("a", 3, NOON + 2)
    assert await recorder.tick(NOON + 2)
    assert await recorder.tick(NOON + 4) is False  # same slot, nothing new: no write at all
    counts["a"] = 7
    store.failing = True
    assert await recorder.tick(NOON + SLOT + 1) is False  # kept for later
    store.failing = False
    recorder.tap("b", 1, NOON + SLOT + 3)
    assert await recorder.tick(NOON + SLOT + 3)
    assert [(dict(batch.viewers), dict(batch.taps)) for batch in store.writes] == [
        ({("a", NOON): 5, ("b", NOON): 2}, {("a", 3, NOON): 2}),
        ({("a", NOON + SLOT): 7, ("b", NOON + SLOT): 2}, {("b", 1, NOON): 1}),
    ]


@pytest.mark.django_db(transaction=True)
async def test_the_database_keeps_peak_average_and_taps_per_bucket_and_taps_per_day():
    store = DatabaseAudience()
    first = Batch(viewers={("w", NOON): 4, ("w", NOON + SLOT): 6}, taps={("w", 3, NOON): 2})  # type: ignore[arg-type]
    second = Batch(viewers={("w", NOON + BUCKET): 1}, taps={("w", 3, NOON): 1, ("w", 1, NOON + BUCKET): 5})  # type: ignore[arg-type]
    await store.write(first)
    await store.write(second)  # a second write adds to the first bucket's taps
    buckets = await store.buckets("w", NOON - 3600, NOON + 3600)
    assert [(b.start, b.viewer_peak, b.viewer_sum, b.taps) for b in buckets] == [
        (NOON, 6, 10, {3: 3}),
        (NOON + BUCKET, 1, 1, {1: 5}),
    ]
    assert buckets[0].average(NOON + 3600) == 1.0  # 10 over the bucket's ten slots
    assert buckets[1].average(NOON + BUCKET + 1) == 1.0  # one slot lived so far
    assert await store.taps_on(local_day(NOON)) == {"w": 8}
    assert await store.taps_on(local_day(NOON) + dt.timedelta(days=1)) == {}
    assert await AudienceBucket.objects.acount() == 4


def test_points_fold_buckets_into_steps_and_rate_is_per_100_viewers():
    buckets = [Bucket(NOON, 10, 50, {3: 2}), Bucket(NOON + BUCKET, 20, 100, {3: 1, 1: 1})]
    day = points(buckets, NOON + 3599, 24 * 3600, BUCKET)
    assert len(day) == 288 and day[-1].start == bucket_of(NOON + 3599)
    noon = next(p for p in day if p.start == NOON)
    assert (noon.peak, noon.average, noon.taps) == (10, 5.0, 2)
    assert noon.rate == pytest.approx(480.0)  # 2 taps in 5 minutes of 5 viewers: 24 an hour per viewer
    hours = points(buckets, NOON + 3599, 14 * 24 * 3600, 3600)
    assert len(hours) == 336
    hour = next(p for p in hours if p.start == NOON)
    assert (hour.peak, hour.taps, hour.taps_by_game) == (20, 4, {3: 3, 1: 1})
    assert hour.average == pytest.approx((5.0 + 10.0) / 12)


def test_charts_are_inline_svg_with_a_name_and_escape_their_label():
    line = line_chart('Viewers <b>"', [0, 2, 4], [0, 1, 2])
    assert line.startswith('<svg class="bw-chart"') and 'aria-label="Viewers &lt;b&gt;&quot;"' in line
    assert '<polyline class="bw-chart-line"' in line and "<polygon" in line and "max 4" in line
    bars = bar_chart("Taps", [0, 3, 0, 1])
    assert bars.count("<rect") == 2


@pytest.mark.django_db(transaction=True)
async def test_taps_over_the_socket_reach_the_database_and_the_charts(widget, monkeypatch):
    from feedsite.asgi import application

    await PlaySettings.objects.acreate(widget=widget, url_template="https://partner.example/{gameType}")
    store = DatabaseAudience()
    counted = Recorder(store=lambda: store, started=0)  # started long ago: this slot is sampled
    monkeypatch.setattr(recorder_module, "recorder", counted)
    communicator = WebsocketCommunicator(
        application, f"/ws/w/{widget.public_id}/", headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    )
    assert (await communicator.connect())[0]
    snapshot = json.loads(await communicator.receive_from())
    assert snapshot["type"] == "snapshot"
    for _ in range(3):
        await communicator.send_to(text_data=json.dumps({"type": "tap", "t": 3}))
    await communicator.send_to(text_data=json.dumps({"type": "tap", "t": 1}))
    await communicator.send_to(text_data=json.dumps({"type": "resync"}))
    await communicator.receive_from()  # the resync's snapshot: every tap before it was handled
    import time

    now = time.time()
    assert await counted.tick(now)
    await communicator.disconnect()
    found = await periods(widget.public_id, now)
    assert [period.taps for period in found] == [2, 2]
    assert found[0].taps_by_game() == [(1, 1), (3, 1)]
    assert found[0].peak == 1  # this socket was sampled as one viewer


@pytest.mark.django_db
def test_the_widget_page_links_each_game_in_the_viewers_language_with_the_round(client, widget):
    from asgiref.sync import async_to_sync

    from feed.protocol.keys import game_key
    from feed.protocol.views import GameView
    from feed.store import get_store

    game = GameView(
        3,
        id=1,
        round=77,
        state="active",
        phase=None,
        maintenance=False,
        deadline=None,
        last_round_id=0,
        started_at=None,
    )
    async_to_sync(get_store().set_many)({game_key(3): game.to_wire()})
    PlaySettings.objects.create(
        widget=widget,
        url_template="https://partner.example/live/{gameType}?lang={lang}&round={roundId}",
        age_mark="18+",
        responsible_url="https://partner.example/help",
    )
    page = client.get(f"/w/{widget.public_id}/?lang=ru").content.decode()
    assert 'href="https://partner.example/live/3?lang=ru&amp;round=77" target="_top"' in page
    assert 'href="https://partner.example/live/1?lang=ru&amp;round="' in page
    assert ">Играть<" in page.replace('<span class="bw-visually-hidden">', "<")
    assert '<span class="bw-age" dir="ltr">18+</span>' in page and "Играйте ответственно" in page
    config = json.loads(page.split('id="bw-config" type="application/json">')[1].split("</script>")[0])
    assert config["play"]["url"].startswith("https://partner.example/live/")


@pytest.mark.django_db
def test_play_and_jackpots_are_hidden_for_listed_languages_and_absent_by_default(client, widget):
    plain = client.get(f"/w/{widget.public_id}/").content.decode()
    assert 'class="bw-play"' not in plain, "no play link: no Play markup (play.js adds it if one is set later)"
    assert "bw-responsible" not in plain.split("<template")[0]
    PlaySettings.objects.create(widget=widget, url_template="https://partner.example/{gameType}", hidden_languages="tr")
    turkish = client.get(f"/w/{widget.public_id}/?lang=tr").content.decode()
    assert 'aria-labelledby="bw-jackpots-title" hidden' in turkish and "https://partner.example/3" not in turkish
    english = client.get(f"/w/{widget.public_id}/?lang=en").content.decode()
    assert 'href="https://partner.example/3"' in english


@pytest.mark.django_db
def test_the_admin_preview_shows_the_play_link_and_line_being_edited_and_only_web_addresses(admin_client, theme):
    query = {
        "types": "3",
        "theme": theme.pk,
        "play": "https://x.example/{gameType}?l={lang}",
        "age": "21+",
        "rgtext": "Help",
    }
    page = admin_client.get("/admin/widget/widget/preview/", query).content.decode()
    assert 'href="https://x.example/3?l=en"' in page and ">21+<" in page and ">Help<" in page
    hostile = admin_client.get("/admin/widget/widget/preview/", query | {"play": "javascript:alert(1)//{gameType}"})
    assert "javascript:" not in hostile.content.decode() and 'class="bw-play"' not in hostile.content.decode()
    hidden = admin_client.get("/admin/widget/widget/preview/", query | {"hideplay": "1"}).content.decode()
    assert 'aria-labelledby="bw-jackpots-title" hidden' in hidden and "https://x.example/3" not in hidden


@pytest.mark.django_db
def test_a_link_whose_origin_was_removed_from_the_widget_later_is_not_shown(widget):
    PlaySettings.objects.create(
        widget=widget, url_template="https://partner.example/{gameType}", responsible_url="https://partner.example/rg"
    )
    Widget = type(widget)
    Widget.objects.filter(pk=widget.pk).update(allowed_origins="https://other.example")
    config = play_config(Widget.objects.select_related("play").get(pk=widget.pk))
    assert config["url"] == "" and config["responsible"]["url"] == ""


@pytest.mark.services
async def test_redis_adds_every_processes_viewers_per_slot_so_the_peak_is_the_total(own_redis):
    from play.stores import RedisAudience

    store = RedisAudience(own_redis.url)
    counts_a = {"w": 3}
    first = Recorder(store=lambda: store, counts=lambda: counts_a, started=NOON - 1)  # type: ignore[arg-type,return-value]
    second = Recorder(store=lambda: store, counts=lambda: {"w": 2}, started=NOON - 1)  # type: ignore[arg-type,return-value]
    first.tap("w", 3, NOON + 5)
    second.tap("w", 3, NOON + 6)
    second.tap("w", 1, NOON + BUCKET + 1)
    assert await first.tick(NOON + 1) and await second.tick(NOON + 2)
    counts_a["w"] = 4
    assert await first.tick(NOON + SLOT + 1)  # the next slot: only the first process reports (4)
    buckets = await store.buckets("w", NOON - 3600, NOON + 3600)
    assert [(b.start, b.viewer_peak, b.viewer_sum, b.taps) for b in buckets] == [
        (NOON, 5, 9, {3: 2}),
        (NOON + BUCKET, 0, 0, {1: 1}),
    ]
    assert await store.taps_on(local_day(NOON)) == {"w": 3}
    import redis

    ttl = redis.Redis.from_url(own_redis.url).ttl(f"betcore-feed:audience:w:{NOON}")
    assert 14 * 86400 < ttl <= 14 * 86400 + BUCKET


@pytest.mark.django_db
def test_hostile_values_in_every_play_field_are_form_errors_or_saved_never_a_crash(admin_client, theme, offered_names):
    from tests.admin_forms import HOSTILE

    fields = ("url_template", "age_mark", "responsible_text", "responsible_url", "hidden_languages")
    base = widget_form_data(theme.pk, allowed_origins="https://partner.example") | inline_data(admin_client)
    for value in [*HOSTILE, "https://partner.example/{gameType}\x00", "https://partner.example/{{gameType}}"]:
        for field in fields:
            response = admin_client.post("/admin/widget/widget/add/", base | {f"play-0-{field}": value})
            assert response.status_code in (200, 302), (field, value, response.status_code)
    for settings in PlaySettings.objects.all():  # whatever was saved passes the checks again
        settings.full_clean()


async def test_a_process_does_not_sample_the_slot_it_started_in_so_a_restart_counts_nobody_twice():
    store = MemoryAudience()
    restarted = Recorder(store=lambda: store, counts=lambda: {"w": 1}, started=NOON + 12)  # type: ignore[arg-type,return-value]
    assert await restarted.tick(NOON + 14) is False  # the old process sampled this slot with the same viewer
    assert await restarted.tick(NOON + SLOT + 1)
    assert dict(store.writes[0].viewers) == {("w", NOON + SLOT): 1}
