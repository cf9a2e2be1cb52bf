"""The debug error page, without secrets: passwords inside URL-valued settings are masked too."""

from __future__ import annotations

import re
from typing import Any

from django.views.debug import SafeExceptionReporterFilter

# scheme://user:password@host -> scheme://user:********@host (redis://, postgres://, amqp://, …)
URL_PASSWORD = re.compile(r"(?P<start>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@/\s]+(?=@)", re.IGNORECASE)


class MaskingExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django hides settings named like secrets; this also hides passwords in URLs inside any setting."""

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        cleansed = super().cleanse_setting(key, value)
        return mask_urls(cleansed)

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        # Local variables holding a URL with a password (a settings value passed along) too.
        return [(name, mask_urls(value)) for name, value in super().get_traceback_frame_variables(request, tb_frame)]


def mask_urls(value: Any) -> Any:
    if isinstance(value, str):
        return URL_PASSWORD.sub(lambda m: m.group("start") + "********", value)
    if isinstance(value, dict):
        return {k: mask_urls(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask_urls(v) for v in value)
    return value
