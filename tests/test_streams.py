"""Stream sources: found in the feed, validated, planned per widget, named in the CSP, checked in the admin."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer
from django.core.exceptions import ValidationError

from betcore.messages import parse_game
from betcore.probe_report import analyse, report
from betcore.streams import check_stream, find_streams
from feed.audience import Wanted
from feed.store import MemoryStore, get_store
from feed.worker import FeedWorker, WorkerConfig
from streams import plan as plans
from streams.models import StreamSource
from streams.validators import stream_origin
from tests.processes import free_port
from widget.csp import widget_policy
from widget.models import Widget

PUSH = {
    "sId": 1,
    "tst": "2025-01-01T12:00:00Z",
    "im": False,
    "bt": 10,
    "wgi": [{"i": 7, "t": 3, "s": 2, "ps": 1, "cr": 1, "videoUrl": "https://cdn.example/3/live.m3u8"}],
}


@pytest.fixture(autouse=True)
def no_kept_plans():
    plans.forget_all()
    yield
    plans.forget_all()
    async_to_sync(get_store().set_many)({"streams": {}})


# -- found in the feed -----------------------------------------------------------------------


def test_stream_looking_fields_are_found_beside_their_game_type_wherever_they_are():
    body = {
        "data": [
            {"gameType": "5", "name": "Baccarat", "hlsUrl": "https://cdn.example/5.m3u8"},
            {"t": 3, "player": {"nested": True}, "media": "https://cdn.example/3/index.m3u8?token=x"},
            {"gameType": 1, "videoUrl": "javascript:alert(1)"},
            {"gameType": 2, "name": "https://example.com/not-a-stream-key"},
        ]
    }
    assert find_streams(body) == {5: "https://cdn.example/5.m3u8", 3: "https://cdn.example/3/index.m3u8?token=x"}
    assert find_streams({"wgi": [{"t": 1, "webrtc": "wss://rtc.example/1"}]}) == {1: "wss://rtc.example/1"}
    assert find_streams("not json at all") == {}


def test_a_stream_field_in_a_push_is_not_taken_for_a_result():
    game = parse_game(PUSH["wgi"][0])
    assert game.stream_address() == "https://cdn.example/3/live.m3u8"
    assert game.pushed_result() is None
    with_result = parse_game({**PUSH["wgi"][0], "dice": [1, 2]})
    assert dict(with_result.pushed_result()) == {"dice": (1, 2)}


class Rest:
    credentials_problem = None
    auth_retry_at = 0.0

    def __init__(self) -> None:
        self.streams_seen: dict[int, str] = {}

    def translations(self, language: str) -> dict[int, str]:
        self.streams_seen[1] = "http://127.0.0.1:9/video/1/live.m3u8"
        return {1: "Lucky Dice", 3: "Poker"}


async def test_the_worker_keeps_stream_addresses_from_pushes_and_rest_answers_in_the_store():
    store = MemoryStore()

    async def wanted() -> Wanted:
        return Wanted(game_types=(1, 3), languages=("en",))

    worker = FeedWorker(WorkerConfig("http://unused", 1), Rest(), store, InMemoryChannelLayer(), wanted)
    assert await worker.handle_push(1, [PUSH], 1_000_000.0)
    assert (await store.get_many(["streams"]))["streams"] == {"3": "https://cdn.example/3/live.m3u8"}
    await worker.refresh_translations(["en"])
    assert (await store.get_many(["streams"]))["streams"] == {
        "1": "http://127.0.0.1:9/video/1/live.m3u8",
        "3": "https://cdn.example/3/live.m3u8",
    }
    assert worker._whole_state()["streams"]["3"] == "https://cdn.example/3/live.m3u8"
    await asyncio.gather(*worker.results.tasks)


def test_the_probe_lists_stream_addresses_under_their_own_heading():
    records = [
        {"kind": "hub", "t": 1.0, "record": {"type": 1, "target": "SubOnWholeGamesInfo", "arguments": [PUSH]}},
        {"kind": "rest", "t": 1.1, "path": "/games/types/translations", "status": 200, "body": [{"gameType": 1}]},
    ]
    text = report(analyse(records))
    assert "Stream addresses (game type: address):\n     3: https://cdn.example/3/live.m3u8" in text
    assert "none seen" in report(analyse(records[1:]))


# -- configured and validated ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://cdn.example/live/3.m3u8?token=abc", "https://cdn.example"),
        ("https://CDN.example:8443/x.m3u8", "https://cdn.example:8443"),
        ("http://localhost:8000/video/3/live.m3u8", "http://localhost:8000"),
        ("http://127.0.0.1:9/v.m3u8", "http://127.0.0.1:9"),
    ],
)
def test_stream_addresses_are_https_or_local_http(url, origin):
    assert stream_origin(url) == origin


@pytest.mark.parametrize(
    "url",
    [
        "http://cdn.example/3.m3u8",
        "https://user:pass@cdn.example/3.m3u8",
        "ftp://cdn.example/3.m3u8",
        "javascript:alert(1)",
        "https://cdn.example/a b.m3u8",
        "https://cdn.example/x'; script-src *",
        "//cdn.example/3.m3u8",
    ],
)
def test_other_addresses_are_refused(url):
    with pytest.raises(ValidationError):
        stream_origin(url)


@pytest.mark.django_db
def test_a_source_is_validated_on_every_save_and_one_per_game_type_and_owner(widget):
    with pytest.raises(ValidationError):
        StreamSource.objects.create(game_type=3, url="http://cdn.example/3.m3u8")
    StreamSource.objects.create(game_type=3, url="https://cdn.example/3.m3u8")
    StreamSource.objects.create(widget=widget, game_type=3, url="https://own.example/3.m3u8")
    with pytest.raises(ValidationError):
        StreamSource.objects.create(game_type=3, url="https://other.example/3.m3u8")
    with pytest.raises(ValidationError):
        StreamSource.objects.create(widget=widget, game_type=3, url="https://other.example/3.m3u8")


# -- planned per widget ---------------------------------------------------------------------


def source(game_type: int, url: str, widget_id: int | None = None, **fields) -> StreamSource:
    return StreamSource(game_type=game_type, url=url, widget_id=widget_id, **fields)


def test_the_widgets_own_source_wins_then_the_global_one_then_the_feeds_address():
    plan = plans.plan_for(
        [3, 1, 5, 7],
        [
            source(3, "https://global.example/3.m3u8"),
            source(3, "https://own.example/3.m3u8", widget_id=1),
            source(1, "https://global.example/1.m3u8", poster="https://img.example/1.jpg"),
            source(9, "https://global.example/9.m3u8"),
        ],
        {"5": "https://feed.example/5.m3u8", "1": "https://feed.example/1.m3u8", "7": "https://feed.example/7.mpd"},
    )
    assert [(s.game_type, s.url) for s in plan.streams] == [
        (3, "https://own.example/3.m3u8"),
        (1, "https://global.example/1.m3u8"),
        (5, "https://feed.example/5.m3u8"),
    ]
    assert plan.featured == 3
    assert plan.csp() == {
        "media": ["https://feed.example", "https://global.example", "https://own.example"],
        "frames": [],
        "images": ["https://img.example"],
    }


def test_a_featured_source_leads_and_unsafe_feed_addresses_are_skipped():
    plan = plans.plan_for(
        [3, 1],
        [source(1, "https://provider.example/player/1", widget_id=4, kind="page", featured=True)],
        {"3": "http://insecure.example/3.m3u8"},
    )
    assert plan.featured == 1 and [s.kind for s in plan.streams] == ["page"]
    assert plan.csp()["frames"] == ["https://provider.example"]
    assert not plans.plan_for([3], [], {}) and plans.plan_for([3], [], {}).featured is None


# -- named in the CSP ------------------------------------------------------------------------


def test_without_streams_the_policy_names_no_media_and_no_frames():
    policy = widget_policy(["https://partner.example"])
    assert "media-src" not in policy and "frame-src" not in policy
    assert "connect-src 'self';" in policy and "img-src 'self' data:;" in policy


@pytest.mark.django_db
def test_the_widget_page_csp_names_exactly_its_stream_origins(client, widget, theme):
    before = client.get(f"/w/{widget.public_id}/")
    assert "media-src" not in before["Content-Security-Policy"] and b"bw-streams" not in before.content
    assert b"bw-video" not in before.content and b"video.js" not in before.content and b"hls" not in before.content
    StreamSource.objects.create(game_type=3, url="https://cdn.example/3/live.m3u8", poster="https://img.example/3.jpg")
    StreamSource.objects.create(widget=widget, game_type=1, kind="page", url="https://provider.example/p/1")
    StreamSource.objects.create(game_type=5, url="https://unused.example/5.m3u8")  # a game type it does not show
    other = Widget.objects.create(name="Other", game_types="5", theme=theme)
    StreamSource.objects.create(widget=other, game_type=3, url="https://elsewhere.example/3.m3u8")
    plans.forget_all()
    response = client.get(f"/w/{widget.public_id}/")
    directives = dict(part.split(" ", 1) for part in response["Content-Security-Policy"].split("; "))
    assert directives["media-src"] == "blob: https://cdn.example"
    assert directives["connect-src"] == "'self' https://cdn.example"
    assert directives["frame-src"] == "https://provider.example"
    assert directives["img-src"] == "'self' data: https://img.example"
    body = response.content.decode()
    assert 'id="bw-streams"' in body and "widget/video.js" in body and 'class="bw-video" data-t="3"' in body
    assert "hls.light.min.js" in body  # its address only: loaded by video.js when needed


# -- checked in the admin ---------------------------------------------------------------------


def test_the_check_says_when_an_address_is_unreachable_or_not_a_playlist(sandbox):
    assert check_stream(f"{sandbox.base_url}/video/3/live.m3u8", "hls").ok
    segment = check_stream(f"{sandbox.base_url}/video/3/segment/1.ts", "hls")
    assert not segment.ok and "not an HLS playlist" in segment.problem
    assert "HTTP 404" in check_stream(f"{sandbox.base_url}/video/999/live.m3u8", "hls").problem
    assert "not reachable" in check_stream(f"http://127.0.0.1:{free_port()}/x.m3u8", "hls", timeout=2).problem


@pytest.mark.django_db
def test_the_admin_saves_a_source_with_a_warning_and_previews_it(admin_client, sandbox):
    data = {"game_type": "3", "kind": "hls", "url": f"{sandbox.base_url}/video/3/segment/1.ts", "enabled": "on"}
    response = admin_client.post("/admin/streams/streamsource/add/", data, follow=True)
    assert "is not an HLS playlist" in response.content.decode()
    found = StreamSource.objects.get()
    found.url = f"{sandbox.base_url}/video/3/live.m3u8"
    found.save()
    page = admin_client.get(f"/admin/streams/streamsource/{found.pk}/change/")
    body = page.content.decode()
    assert 'class="bw-stream-preview"' in body and "errornote" not in body.split("bw-stream-preview")[0][-300:]
    assert f"media-src 'self' blob: {sandbox.base_url}" in page["Content-Security-Policy"]
    refused = admin_client.post("/admin/streams/streamsource/add/", {**data, "url": "http://cdn.example/3.m3u8"})
    assert refused.status_code == 200 and "is not a stream address" in refused.content.decode()


@pytest.mark.django_db
def test_a_widgets_own_stream_is_saved_from_its_admin_page_with_a_warning_when_unreachable(
    admin_client, widget, offered_names
):
    from tests.admin_forms import widget_form_data

    data = widget_form_data(
        widget.theme_id,
        **{
            "stream_sources-TOTAL_FORMS": "1",
            "stream_sources-0-game_type": "3",
            "stream_sources-0-kind": "hls",
            "stream_sources-0-url": f"http://127.0.0.1:{free_port()}/3.m3u8",
            "stream_sources-0-featured": "on",
            "stream_sources-0-enabled": "on",
        },
    )
    response = admin_client.post(f"/admin/widget/widget/{widget.pk}/change/", data, follow=True)
    assert "Game type 3" in response.content.decode() and "not reachable" in response.content.decode()
    saved = StreamSource.objects.get(widget=widget)
    assert saved.featured and saved.game_type == 3
