"""Content-Security-Policy for widget pages: no inline code, framing only by partners."""

from __future__ import annotations

from collections.abc import Iterable


def widget_policy(frame_origins: Iterable[str]) -> str:
    ancestors = " ".join(["'self'", *frame_origins])
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            # 'self' covers ws:/wss: to our own host in current browsers.
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            f"frame-ancestors {ancestors}",
        ]
    )
