"""Content-Security-Policy for widget pages: no inline code, framing only by partners."""

from __future__ import annotations

from collections.abc import Iterable


def widget_policy(
    frame_origins: Iterable[str],
    *,
    media: Iterable[str] = (),
    frames: Iterable[str] = (),
    images: Iterable[str] = (),
) -> str:
    """The policy; ``media``/``frames``/``images`` are the origins of the widget's streams (none: no video)."""
    ancestors = " ".join(["'self'", *frame_origins])
    media, frames, images = list(media), list(frames), list(images)
    directives = [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        " ".join(["img-src 'self' data:", *images]),
        "font-src 'self'",
        # 'self' covers ws:/wss: to our own host in current browsers; hls.js fetches the streams.
        " ".join(["connect-src 'self'", *media]),
    ]
    if media:
        # blob: is the MediaSource hls.js hands the <video>; the origins, what a native player fetches.
        directives.append(" ".join(["media-src blob:", *media]))
    if frames:
        directives.append(" ".join(["frame-src", *frames]))
    directives += ["base-uri 'none'", "form-action 'none'", f"frame-ancestors {ancestors}"]
    return "; ".join(directives)
