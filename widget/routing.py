from django.urls import path

from widget.consumers import WidgetConsumer

websocket_urlpatterns = [
    path("ws/w/<str:public_id>/", WidgetConsumer.as_asgi()),
]
