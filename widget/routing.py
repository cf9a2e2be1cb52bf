from channels.auth import AuthMiddlewareStack
from django.urls import path, re_path

from widget.consumers import PreviewConsumer, RefusedSocket, WidgetConsumer

websocket_urlpatterns = [
    path("ws/w/<str:public_id>/", WidgetConsumer.as_asgi()),
    # The admin's preview: the session decides (staff only), so only this route reads cookies.
    path("ws/preview/", AuthMiddlewareStack(PreviewConsumer.as_asgi())),
    # Any other path: refused quietly (HTTP 403), not a 500 and a traceback from the router.
    re_path(r"", RefusedSocket.as_asgi()),
]
