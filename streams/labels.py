"""The video player's words, in the viewer's language (rendered into the page for video.js)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def video_labels() -> dict[str, str]:
    return {
        "failed": _("Video unavailable. Retrying…"),
        "play": _("Play video"),
        "watch": _("Watch"),
        "sound": _("Sound"),
        "fullscreen": _("Full screen"),
    }
