"""Cache headers for static files that partners link by a fixed URL."""

from __future__ import annotations

from collections.abc import MutableMapping

# embed.js is loaded from partner pages as /static/widget/embed.js, a name without a
# content hash, so a fix must reach them within minutes, not a year. Browsers revalidate
# with the ETag WhiteNoise sends and get a 304 while it has not changed.
STABLE_URLS = ("/widget/embed.js",)
STABLE_URL_MAX_AGE = 300


def short_cache_for_stable_urls(headers: MutableMapping[str, str], path: str, url: str) -> None:
    """WhiteNoise's ``add_headers_function``: a few minutes of caching for unhashed, linked files."""
    if url.endswith(STABLE_URLS):
        headers["Cache-Control"] = f"public, max-age={STABLE_URL_MAX_AGE}"
