"""WebSocket routes; asgi.py wraps them in the origin check and the session auth."""

from typing import Any

from django.urls import re_path

from designer.live.auth import TokenAuthMiddleware
from designer.live.consumers import RunConsumer

websocket_urlpatterns: list[Any] = [
    re_path(r"^ws/runs/(?P<run_id>\d+)/$", TokenAuthMiddleware(RunConsumer.as_asgi())),
]
