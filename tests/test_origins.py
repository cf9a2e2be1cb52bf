"""Partner origins: malformed IPv6 literals refused as form errors; bad stored values skipped."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from widget.socket_origin import origin_allowed
from widget.validators import parse_origins, stored_origins

MALFORMED = [
    "https://[a:b]",  # urlsplit: "does not appear to be an IPv4 or IPv6 address"
    "https://[::1",  # urlsplit: "Invalid IPv6 URL"
    "https://::1]",
    "https://[v1.x]",  # an IPvFuture literal: urlsplit drops the brackets, leaving https://v1.x
    "https://[::1]x",  # urlsplit reads the host as ::1 and ignores the rest
    "https://x[::1]",
    "https://[1.2.3.4]",
    "https://[fe80::1%25eth0]",  # a zone id never appears in an Origin header
    "https://[]",
    "https://[[::1]]",
]


@pytest.mark.parametrize("value", MALFORMED)
def test_malformed_ipv6_origins_are_refused_with_a_validation_error(value):
    with pytest.raises(ValidationError, match="is not an origin"):
        parse_origins(value)


def test_ipv6_origins_are_stored_as_browsers_send_them():
    assert parse_origins("https://[0:0::1]:8443 https://[2001:DB8::1] http://[::1]:8000") == [
        "https://[::1]:8443",
        "https://[2001:db8::1]",
        "http://[::1]:8000",
    ]
    assert parse_origins("https://[::ffff:1.2.3.4]") == ["https://[::ffff:102:304]"]


def test_the_tolerant_reader_keeps_the_good_origins_of_a_bad_stored_value():
    stored = "https://a.example\nhttps://[a:b]\nhttps://[::1\nhttps://[v1.x]\nhttps://b.example, https://a.example"
    assert stored_origins(stored) == ["https://a.example", "https://b.example"]


@pytest.mark.django_db
def test_a_widget_with_a_bad_stored_origin_still_serves_its_page_and_its_partner(client, widget):
    type(widget).objects.filter(pk=widget.pk).update(allowed_origins="https://[a:b]\nhttps://partner.example")
    response = client.get(f"/w/{widget.public_id}/")
    assert response.status_code == 200
    assert "frame-ancestors 'self' https://partner.example" in response["Content-Security-Policy"]
    assert "[a:b]" not in response["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["https://[a:b]", "https://[::1", "https://[v1.x]"])
def test_the_demo_page_refuses_a_malformed_widget_origin_with_400(client, widget, value):
    with override_settings(DEMO_PAGES=True):
        assert client.get("/demo/partner/", {"widget_origin": value}).status_code == 400


@pytest.mark.parametrize("origin", [b"https://[a:b]", b"https://[::1", b"https://[v1.x]"])
def test_a_malformed_origin_header_on_a_socket_is_a_refusal(origin):
    scope = {"scheme": "ws", "headers": [(b"host", b"localhost:8000"), (b"origin", origin)]}
    assert origin_allowed(scope, ["https://partner.example"]) is False
