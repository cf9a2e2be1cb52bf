"""How a hub connection is addressed: negotiate modes, token placements, the token in the URL.

BETCORE's docs show only a direct ``wss://…/hubs`` connection with the token in the
``access_token`` query parameter; the supervisor also negotiates and sends the token in
a header. The choices and the URL they produce are kept here, apart from the
supervision in ``betcore.hub``, so that they can be read and checked on their own.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

NEGOTIATE_MODES = ("auto", "always", "never")
TOKEN_PLACEMENTS = ("both", "query", "header")


def url_with_token(url: str, token: str) -> str:
    """``url`` with ``access_token`` in its query, as BETCORE's docs and browsers send it."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "access_token"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("access_token", token)])))


def is_direct_url(url: str) -> bool:
    """A ws(s):// URL is a direct WebSocket URL, as BETCORE's docs print it."""
    return url.lower().startswith(("ws:", "wss:"))


def token_in_query(token_in: str) -> bool:
    return token_in in ("both", "query")


def token_in_header(token_in: str) -> bool:
    return token_in in ("both", "header")
