"""The demo widget shows the game types the feed offers, until an admin picks them by hand."""

import pytest
from asgiref.sync import sync_to_async

from sandbox import Sandbox
from tests.running_worker import RunningWorker
from tests.waiting import until
from widget.demo import ensure_demo_widget
from widget.feed_interest import follow_offered_game_types, wanted_from_widgets
from widget.models import Widget

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_demo_widget_follows_the_feeds_game_types_and_the_worker_subscribes_to_them():
    widget = await sync_to_async(ensure_demo_widget)(["http://localhost:8000"])
    assert widget.follow_feed and widget.game_type_list() == [3, 1, 2, 5]
    with Sandbox(seed=2, speed=4.0, ping_interval=1.0) as sandbox:
        offered = [int(row["gameType"]) for row in sandbox.state.simulation.translations("en")]
        async with RunningWorker(
            sandbox, offered=follow_offered_game_types, wanted=wanted_from_widgets, wanted_refresh=0.5
        ) as running:

            async def follows() -> bool:
                return (await Widget.objects.aget(pk=widget.pk)).game_type_list() == offered

            await until(follows, 5, "the widget following the feed's game types")
            assert offered == [1, 2, 3, 5, 6]
            worker = running.worker  # its hub exists once the worker has started
            await until(
                lambda: worker.hub is not None and set(worker.hub._subscribed) == set(offered),
                10,
                "subscriptions to every offered type",
            )


def test_choosing_game_types_in_the_admin_stops_following_the_feed(admin_client, offered_names):
    widget = ensure_demo_widget(["http://localhost:8000"])
    form = {
        "name": widget.name,
        "enabled": "on",
        "theme": widget.theme_id,
        "language": "en",
        "currency": "EUR",
        "game_types": ["3", "1"],
        "follow_feed": "on",
        "show_games": "on",
        "show_results": "on",
        "show_jackpots": "on",
        "allowed_origins": widget.allowed_origins,
        **{f"play-{name}": value for name, value in (("TOTAL_FORMS", "1"), ("INITIAL_FORMS", "0"))},
        **{f"stream_sources-{name}": "0" for name in ("TOTAL_FORMS", "INITIAL_FORMS")},
    }
    response = admin_client.post(f"/admin/widget/widget/{widget.pk}/change/", form)
    assert response.status_code == 302, response.content[:2000]
    widget.refresh_from_db()
    assert widget.game_type_list() == [3, 1] and widget.follow_feed is False
    Widget.objects.follow_offered_game_types([1, 2, 3])
    widget.refresh_from_db()
    assert widget.game_type_list() == [3, 1]
