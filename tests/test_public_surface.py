"""Nothing public that should not be: demo pages, operator endpoints, secrets on the debug page."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

TOKEN = "ops-token-for-tests-0123456789abcdef"
# Built from pieces: the error page shows this file's source, which must not hold the secret itself.
SECRET = "hun" + "ter2"


@pytest.mark.parametrize("path", ["/", "/demo/partner/"])
def test_demo_pages_exist_only_when_asked_for(client, widget, path):
    with override_settings(DEMO_PAGES=False):
        assert client.get(path).status_code == 404
    with override_settings(DEMO_PAGES=True):
        assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/metrics", "/readyz"])
def test_operator_endpoints_answer_allowed_networks_or_the_token_only(client, path):
    assert client.get(path).status_code != 403  # 127.0.0.1: the default allow-list is loopback
    outsider = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get(path, **outsider).status_code == 403
    with override_settings(OPS_TOKEN=TOKEN):
        assert client.get(path, HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **outsider).status_code != 403
        assert client.get(path, HTTP_AUTHORIZATION="Bearer wrong-token-0123456789abcdef", **outsider).status_code == 403
    import ipaddress

    with override_settings(OPS_ALLOWED_NETWORKS=[ipaddress.ip_network("203.0.113.0/24")]):
        assert client.get(path, **outsider).status_code != 403
    assert client.get("/livez", **outsider).status_code == 200  # liveness stays open for load balancers


def test_the_debug_error_page_masks_passwords_in_url_settings(rf):
    from django.views.debug import ExceptionReporter

    with override_settings(
        # Built from pieces: the traceback shows this source, which must not hold the secret itself.
        REDIS_URL="redis://:" + "hun" + "ter2-redis@redis.internal:6379/0",
        CHANNEL_LAYERS={
            "default": {"CONFIG": {"hosts": ["redis://user:" + "hun" + "ter2-layer@redis.internal:6379/0"]}}
        },
        BETCORE_HUB_URL="https://feed:" + "hun" + "ter2-hub@hub.example/hubs",
        DEBUG=True,
    ):
        request = rf.get("/w/x/")
        try:
            raise RuntimeError("boom")
        except RuntimeError as error:
            html = ExceptionReporter(request, type(error), error, error.__traceback__).get_traceback_html()
    assert SECRET not in html
    assert "redis://:********@redis.internal:6379/0" in html
