"""The run socket ``/ws/runs/<id>/``: replays stored events after a seq, then relays live ones.

Protocol: the client connects (session cookie, or a token: see `designer.live.auth`) and
sends ``{"type": "hello", "after": <last seq seen>}`` (or passes ``?after=N``). The server
sends frames ``{"type": "events", "events": [...], "last_seq": N}`` (see
`designer.live.outbox`) with every event after N exactly once, in order, first from the
database and then live. A user who is not signed in is closed with 4401, one who may not
see the run with 4403.

No loss, no duplicates: the consumer joins the group before reading the database and holds
live events until the replay is done; it drops any event at or below the last seq it
sent, and a live event that arrives early (another process committed it, or the layer
dropped one before it) makes it read the missing range from the database first. Because
events commit in seq order under the run lock, that range is always there. A slow check
every few seconds catches a lost last event.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import InMemoryChannelLayer

from designer.core.jsonsafe import json_loads
from designer.engine.models import Run, RunEvent
from designer.engine.selectors import run_for_user
from designer.live.auth import accepted_subprotocol
from designer.live.outbox import Outbox
from designer.live.publish import group_name, relay

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_THROTTLED = 4429
MAX_RUN_ID = 2**63 - 1
LOG_INTERVAL = 0.1  # seconds between two frames that carry only log lines
CATCH_UP_INTERVAL = 5.0
MAX_MESSAGE_BYTES = 4096  # what a client may send in one message
MAX_MESSAGE_DEPTH = 8
CLOSE_TOO_BIG = 1009  # RFC 6455: message too big
REPLAY_CHUNK = 500


@database_sync_to_async
def may_see_run(user: Any, run_id: int) -> bool:
    return run_for_user(user, run_id) is not None


@database_sync_to_async
def stored_events(run_id: int, after: int, before: int | None = None) -> list[dict[str, Any]]:
    rows = RunEvent.objects.filter(run_id=run_id, seq__gt=after)
    if before is not None:
        rows = rows.filter(seq__lt=before)
    return [event.as_dict() for event in rows.order_by("seq")[:REPLAY_CHUNK]]


@database_sync_to_async
def last_stored_seq(run_id: int) -> int:
    return int(Run.objects.filter(pk=run_id).values_list("last_seq", flat=True).first() or 0)


def parse_after(value: Any) -> int | None:
    try:
        after = int(value)
    except (TypeError, ValueError):
        return None
    return after if after >= 0 else None


class RunConsumer(AsyncJsonWebsocketConsumer):
    """Joins the run's group and relays its events; holds no state beyond the cursor."""

    run_id: int
    last: int | None  # the highest seq sent; None until the client said where it is

    async def connect(self) -> None:
        self.run_id = int(self.scope["url_route"]["kwargs"]["run_id"])
        self.last = None
        if self.run_id > MAX_RUN_ID:  # past the database's integers: no such run
            await self.accept(accepted_subprotocol(self.scope))
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.held: list[dict[str, Any]] = []
        self.outbox = Outbox()
        self.send_lock = asyncio.Lock()
        self.cursor_lock = asyncio.Lock()  # the catch-up task and the dispatcher share it
        self.last_frame_at = 0.0
        self.flush_timer: asyncio.TimerHandle | None = None
        self.catch_up_task: asyncio.Task[None] | None = None
        user = self.scope.get("user")
        # Accept first: a close before accepting is an HTTP 403 the client cannot tell apart.
        subprotocol = accepted_subprotocol(self.scope)
        if self.scope.get("token_throttled"):  # too many bad tokens from this address
            await self.accept(subprotocol)
            await self.close(code=CLOSE_THROTTLED)
            return
        if user is None or not user.is_authenticated:
            await self.accept(subprotocol)
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not await may_see_run(user, self.run_id):
            await self.accept(subprotocol)
            await self.close(code=CLOSE_FORBIDDEN)
            return
        if isinstance(self.channel_layer, InMemoryChannelLayer):
            relay.bind(asyncio.get_running_loop())
        await self.channel_layer.group_add(group_name(self.run_id), self.channel_name)
        self.groups.append(group_name(self.run_id))
        await self.accept(subprotocol)
        query = parse_qs((self.scope.get("query_string") or b"").decode("latin1"))
        after = parse_after((query.get("after") or [None])[0])
        if after is not None:
            await self.start(after)

    async def disconnect(self, code: int) -> None:
        if self.flush_timer is not None:
            self.flush_timer.cancel()
        if self.catch_up_task is not None:
            self.catch_up_task.cancel()

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        # Client messages are tiny ({"type": "hello", "after": N}): parse with limits, and
        # answer a bad one with an error frame instead of dropping the connection with a 500.
        data = text_data if text_data is not None else bytes_data or b""
        if len(data) > MAX_MESSAGE_BYTES:
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            content = json_loads(data, max_depth=MAX_MESSAGE_DEPTH)
        except ValueError as exc:
            await self.send_json({"type": "error", "code": "parse_error", "message": str(exc)})
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "hello" and self.last is None:
            await self.start(parse_after(content.get("after")) or 0)
        elif content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def run_events(self, message: dict[str, Any]) -> None:
        """Live events of this run from the group (see `designer.live.publish`)."""
        if self.last is None:
            self.held.extend(message["events"])
            return
        async with self.cursor_lock:
            await self.deliver(message["events"])

    async def start(self, after: int) -> None:
        """Replay every stored event after `after`, then the live ones held meanwhile."""
        async with self.cursor_lock:
            self.last = after
            await self.fill(before=None)
            held, self.held = self.held, []
            await self.deliver(held)
            await self.flush()
        self.catch_up_task = asyncio.create_task(self.catch_up_forever())

    async def fill(self, before: int | None) -> None:
        """Queue stored events after the cursor (and below `before`), in chunks."""
        assert self.last is not None
        while True:
            chunk = await stored_events(self.run_id, self.last, before)
            for event in chunk:
                self.outbox.add(event)
                self.last = int(event["seq"])
            if len(chunk) < REPLAY_CHUNK:
                return
            await self.flush()

    async def deliver(self, events: list[dict[str, Any]]) -> None:
        for event in sorted(events, key=lambda e: int(e["seq"])):
            assert self.last is not None
            seq = int(event["seq"])
            if seq <= self.last:
                continue
            if seq > self.last + 1:
                await self.fill(before=seq)
            self.outbox.add(event)
            self.last = seq
        await self.schedule_flush()

    async def schedule_flush(self) -> None:
        if not len(self.outbox):
            return
        wait = self.last_frame_at + LOG_INTERVAL - time.monotonic()
        if self.outbox.urgent or wait <= 0:
            await self.flush()
        elif self.flush_timer is None:
            loop = asyncio.get_running_loop()
            self.flush_timer = loop.call_later(wait, lambda: asyncio.ensure_future(self.flush()))

    async def flush(self) -> None:
        async with self.send_lock:
            if self.flush_timer is not None:
                self.flush_timer.cancel()
                self.flush_timer = None
            frame = self.outbox.drain()
            if frame is not None:
                self.last_frame_at = time.monotonic()
                await self.send_json(frame)

    async def catch_up_forever(self) -> None:
        """Every few seconds, fetch what the layer may have lost (a full channel drops)."""
        while True:
            await asyncio.sleep(CATCH_UP_INTERVAL)
            async with self.cursor_lock:
                if self.last is not None and await last_stored_seq(self.run_id) > self.last:
                    await self.fill(before=None)
                    await self.flush()
