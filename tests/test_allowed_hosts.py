"""ALLOWED_HOSTS matching for sockets and the demo page's widget origin, as Django documents it."""

from __future__ import annotations

import pytest

from widget.allowed_hosts import host_allowed, split_host_port


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("example.com", ("example.com", "")),
        ("Example.COM:8443", ("example.com", "8443")),
        ("example.com.:80", ("example.com", "80")),
        ("127.0.0.1:8000", ("127.0.0.1", "8000")),
        ("[::1]:8000", ("[::1]", "8000")),
        ("[::1]", ("[::1]", "")),
        ("", ("", "")),
        ("exa mple.com", ("", "")),
        ("example.com:80:80", ("", "")),
        ("[::1", ("", "")),
        ("example.com:port", ("", "")),
        ("user@example.com", ("", "")),
    ],
)
def test_host_headers_split_into_domain_and_port(header, expected):
    assert split_host_port(header) == expected


@pytest.mark.parametrize(
    ("domain", "patterns", "allowed"),
    [
        ("example.com", ["example.com"], True),
        ("EXAMPLE.com.", ["example.com"], True),
        ("www.example.com", ["example.com"], False),
        ("www.example.com", [".example.com"], True),
        ("example.com", [".example.com"], True),
        ("badexample.com", [".example.com"], False),
        ("anything.test", ["*"], True),
        ("[::1]", ["[::1]"], True),
        ("", ["*"], False),
        ("example.org", ["example.com", ".example.net"], False),
    ],
)
def test_domains_match_allowed_hosts_patterns(domain, patterns, allowed):
    assert host_allowed(domain, patterns) is allowed


def test_the_settings_list_is_used_when_no_patterns_are_given(settings):
    settings.ALLOWED_HOSTS = [".partner.test"]
    assert host_allowed("cdn.partner.test")
    assert not host_allowed("partner.test.evil")
