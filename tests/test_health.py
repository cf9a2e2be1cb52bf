import json
import logging
import time

import pytest
from django.test import override_settings

from feed.store import get_store
from feedsite.logs import JsonFormatter

pytestmark = pytest.mark.django_db


async def put_health(**values):
    health = {
        "heartbeat": time.time(),
        "connected": True,
        "lastMessageAt": time.time(),
        "lastSid": 41,
        "reconnects": 2,
        "parseErrors": 1,
        "status": "live",
        **values,
    }
    await get_store().set_many({"health": health})


def test_livez_answers(client):
    response = client.get("/livez")
    assert response.status_code == 200 and response.content == b"ok\n"


async def test_readyz_reports_a_fresh_feed_as_ready(async_client):
    await put_health()
    response = await async_client.get("/readyz")
    body = response.json()
    assert response.status_code == 200
    assert body["ready"] is True and body["hubConnected"] is True
    assert body["lastSid"] == 41 and body["reconnects"] == 2 and body["parseErrors"] == 1
    assert body["channelLayer"] is True and body["database"] is True
    assert body["secondsSinceLastMessage"] < 1


async def test_readyz_is_503_when_the_feed_is_older_than_the_limit(async_client):
    await put_health(lastMessageAt=time.time() - 6)
    response = await async_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["secondsSinceLastMessage"] > 5


async def test_readyz_is_503_when_redis_is_down(async_client):
    layers = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0", CHANNEL_LAYERS=layers):
        response = await async_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["channelLayer"] is False


def test_metrics_are_exposed_for_prometheus(client):
    body = client.get("/metrics").content.decode()
    for name in (
        "feed_hub_messages_total",
        "feed_parse_errors_total",
        "feed_hub_reconnects_total",
        "feed_widget_sockets",
        "feed_widget_messages_sent_total",
        "feed_send_lag_seconds_bucket",
    ):
        assert name in body


def test_json_logs_are_one_object_per_line():
    record = logging.LogRecord("feed.worker", logging.WARNING, __file__, 1, "skipped %s", ("a\nb",), None)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line) | {"time": None} == {
        "time": None,
        "level": "WARNING",
        "logger": "feed.worker",
        "message": "skipped a\nb",
    }


def test_garbage_collection_pauses_are_measured(client):
    import gc
    import re

    gc.collect()  # a full collection, timed by the callback installed at start-up
    body = client.get("/metrics").content.decode()
    count = re.search(r'python_gc_pause_seconds_count\{generation="2"\} (\S+)', body)
    assert count and float(count.group(1)) >= 1
