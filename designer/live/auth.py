"""Token authentication for WebSockets: ``?token=<key>`` or a ``token.<key>`` subprotocol.

Browsers cannot set an Authorization header on a WebSocket, so scripts pass the API token
as a query parameter or as one of the offered subprotocols (``["conveyor",
"token.<key>"]``); the consumer then accepts with the other one, so the key is never echoed.
A presented token wins over the session; an invalid or revoked one makes the user anonymous.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser
from rest_framework.exceptions import Throttled

from designer.core.models import ApiToken, hash_token
from designer.core.throttling import failed, token_check

PROTOCOL_PREFIX = "token."
SUBPROTOCOL = "conveyor"


def token_from_scope(scope: dict[str, Any]) -> str | None:
    """The API key offered by the client, if any (subprotocol first, then the query)."""
    for protocol in scope.get("subprotocols") or []:
        if protocol.startswith(PROTOCOL_PREFIX):
            return str(protocol[len(PROTOCOL_PREFIX) :])
    query = parse_qs((scope.get("query_string") or b"").decode("latin1"))
    values = query.get("token")
    return values[0] if values else None


def accepted_subprotocol(scope: dict[str, Any]) -> str | None:
    """The subprotocol to accept: the first offered one that is not a token."""
    offered = list(scope.get("subprotocols") or [])
    plain = [p for p in offered if not p.startswith(PROTOCOL_PREFIX)]
    return plain[0] if plain else None


@database_sync_to_async
def user_for_token(key: str, address: str = "unknown") -> Any:
    """The token's user; AnonymousUser for a bad one (counted, like the API's bad tokens).

    Raises Throttled once `address` presented too many bad tokens (docs/security.md).
    """
    windows = token_check(address)
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        failed(windows)
        return AnonymousUser()
    return token.user


class TokenAuthMiddleware(BaseMiddleware):
    """Sets ``scope["user"]`` from an API token when the client presents one."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        key = token_from_scope(scope)
        if key is not None:
            address = str((scope.get("client") or ["unknown"])[0])
            try:
                scope = dict(scope, user=await user_for_token(key, address))
            except Throttled as exc:
                wait = getattr(exc, "wait", None) or 1  # set by Throttled; not in its stubs
                scope = dict(scope, user=AnonymousUser(), token_throttled=wait)
        return await super().__call__(scope, receive, send)
