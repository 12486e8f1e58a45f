"""WebSocket routes; asgi.py wraps them in the origin check and the session auth."""

from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import re_path

from designer.live.auth import TokenAuthMiddleware
from designer.live.consumers import RunConsumer

CLOSE_NOT_FOUND = 4404
NOT_FOUND_PATTERN = r"^"  # every other path


class NotFoundConsumer(AsyncWebsocketConsumer):
    """Any other /ws/ path: accepted, then closed with 4404 (a bare refusal would be a 500)."""

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND)


websocket_urlpatterns: list[Any] = [
    re_path(r"^ws/runs/(?P<run_id>\d+)/$", TokenAuthMiddleware(RunConsumer.as_asgi())),
    re_path(NOT_FOUND_PATTERN, NotFoundConsumer.as_asgi()),
]
