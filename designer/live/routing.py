"""WebSocket routes (the live-runs consumers register here)."""

from typing import Any

websocket_urlpatterns: list[Any] = []
