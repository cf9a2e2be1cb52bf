"""What a widget socket holds in its process is given back whatever way it ends."""

from __future__ import annotations

import asyncio
import time

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth import authenticate
from django.test import RequestFactory, override_settings

from feed.protocol.browser import ConfigMessage
from feed.protocol.close_codes import CloseCode
from feed.protocol.events import FeedEvent
from feed.protocol.keys import config_group
from feed.protocol.views import WidgetSettings
from widget import widget_cache
from widget.consumers import WidgetConsumer
from widget.fanout import local_fanout
from widget.socket_limits import SOCKETS_PER_ADDRESS

pytestmark = pytest.mark.django_db(transaction=True)


def communicator_for(consumer_class: type[WidgetConsumer], public_id: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        consumer_class.as_asgi(),
        f"/ws/w/{public_id}/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")],
    )
    communicator.scope["url_route"] = {"args": (), "kwargs": {"public_id": public_id}}
    communicator.scope["client"] = ["198.51.100.7", 5000]
    return communicator


class HangingLookup(WidgetConsumer):
    """A widget lookup that never returns (a database that stopped answering)."""

    async def find_widget(self):  # type: ignore[override]
        await asyncio.Event().wait()


async def test_a_connect_cancelled_while_it_waits_gives_back_the_address_count(widget):
    communicator = communicator_for(HangingLookup, widget.public_id)
    connecting = asyncio.ensure_future(communicator.connect(timeout=1))
    while SOCKETS_PER_ADDRESS.get("198.51.100.7") != 1:  # counted, then stuck in the lookup
        await asyncio.sleep(0.01)
    # The communicator gives up and cancels the application, as daphne does when the client has gone.
    with pytest.raises(TimeoutError):
        await connecting
    assert "198.51.100.7" not in SOCKETS_PER_ADDRESS


class FailingLookup(WidgetConsumer):
    async def find_widget(self):  # type: ignore[override]
        raise ConnectionError("Redis is away")  # not a DatabaseError


async def test_a_lookup_that_fails_closes_with_4503_and_keeps_nothing(widget):
    communicator = communicator_for(FailingLookup, widget.public_id)
    await communicator.connect()
    assert (await communicator.receive_output())["code"] == CloseCode.UNAVAILABLE
    await communicator.disconnect()
    assert "198.51.100.7" not in SOCKETS_PER_ADDRESS


async def test_a_socket_closed_while_the_fanout_reconfigures_it_does_not_rejoin(widget):
    communicator = communicator_for(WidgetConsumer, widget.public_id)
    await communicator.connect()
    await communicator.receive_from()  # the snapshot
    fanout = local_fanout()
    consumer = next(member for members in fanout.members.values() for member in members)
    await communicator.disconnect()
    assert all(consumer not in members for members in fanout.members.values())
    settings = WidgetSettings((3,), True, True, True, "EUR", ("http://127.0.0.1",), {})
    message = ConfigMessage(enabled=True, settings=settings, theme="/theme.css", theme_scheme="auto")
    await consumer.reconfigure(FeedEvent.of(message, config_group(widget.public_id), 0.0))
    assert all(consumer not in members for members in fanout.members.values()), "a closed socket stays out"


async def test_a_widget_lookup_survives_its_first_caller_going_away(widget):
    widget_cache.forget(widget.public_id)
    first = asyncio.ensure_future(widget_cache.live_widget(widget.public_id))
    second = asyncio.ensure_future(widget_cache.live_widget(widget.public_id))
    await asyncio.sleep(0)  # both are waiting on the one lookup
    first.cancel()  # a reader who left the page: Django cancels its view
    found = await second
    assert found is not None and found.public_id == widget.public_id
    assert first.cancelled()


async def test_a_widget_forgotten_while_it_was_looked_up_is_not_kept(widget):
    widget_cache.forget(widget.public_id)
    looking = asyncio.ensure_future(widget_cache.live_widget(widget.public_id))
    await asyncio.sleep(0)
    widget_cache.forget(widget.public_id)  # saved in the admin meanwhile
    assert await looking is not None
    assert not widget_cache.kept(widget.public_id), "the row read before the save is not kept"


@pytest.mark.django_db
def test_the_file_cache_keeps_a_locked_login_locked_15_minutes_after_the_latest_failure(tmp_path, monkeypatch):
    from feedsite.env import cache_config
    from feedsite.login_throttle import LOGIN_LOCK_SECONDS, locked

    with override_settings(CACHES={"default": cache_config("", str(tmp_path))}):
        request = RequestFactory().post("/admin/login/", REMOTE_ADDR="203.0.113.5")
        for _ in range(5):
            assert authenticate(request, username="partner", password="wrong") is None
        assert locked(request, "partner")
        started = time.time()
        monkeypatch.setattr(time, "time", lambda: started + LOGIN_LOCK_SECONDS - 60)
        assert locked(request, "partner"), "still locked 14 minutes on (the file cache's own default is 5)"
        monkeypatch.setattr(time, "time", lambda: started + LOGIN_LOCK_SECONDS + 60)
        assert not locked(request, "partner")
