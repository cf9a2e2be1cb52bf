"""ASGI entry point: Django for HTTP, the widget consumer for WebSockets."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedsite.settings")
# Initialise Django (apps, models) before importing anything that uses the ORM.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from feedsite.client_address import ClientAddressMiddleware  # noqa: E402
from feedsite.fd_limit import raise_fd_limit  # noqa: E402

raise_fd_limit()  # one descriptor per viewer: up to the hard limit, or say why not

from widget.routing import websocket_urlpatterns  # noqa: E402

# Outermost: every layer below sees the client address that trusted proxies report.
application = ClientAddressMiddleware(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            # The widget consumer checks the Origin exactly (widget/socket_origin.py): the
            # widget's own page or its partners; every other path is refused.
            "websocket": URLRouter(websocket_urlpatterns),
        }
    ),
    settings.TRUSTED_PROXIES,
)
