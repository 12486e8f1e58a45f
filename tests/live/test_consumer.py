"""The run socket: who may connect, replay after a seq, live relay, order, log coalescing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from tests.live.conftest import add_events, log_event, status_event

# Committed for real: the consumer reads the database from other threads.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _manual_relay(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests deliver live events themselves, to control order, duplicates and losses."""
    from designer.engine import events

    monkeypatch.setattr(events, "_subscribers", [])


def run_async(body: Callable[[], Awaitable[None]]) -> None:
    """pytest-asyncio is not installed: drive the coroutine from this (main) thread."""
    async_to_sync(body)()


def socket(
    run_id: int,
    *,
    cookie: str | None = None,
    query: str = "",
    origin: str = "http://localhost",
    subprotocols: list[str] | None = None,
) -> WebsocketCommunicator:
    from designer.asgi import application

    headers = [(b"origin", origin.encode()), (b"host", b"localhost")]
    if cookie is not None:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    path = f"/ws/runs/{run_id}/" + (f"?{query}" if query else "")
    return WebsocketCommunicator(application, path, headers=headers, subprotocols=subprotocols)


def login(user: Any) -> str:
    """A session for `user` (made here, in sync code: the ORM refuses async contexts)."""
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def close_code(comm: WebsocketCommunicator) -> int | None:
    connected, _ = await comm.connect()
    assert connected, "the handshake is accepted so that the close code reaches the client"
    message = await comm.receive_output(timeout=3)
    await comm.wait()
    return message.get("code") if message["type"] == "websocket.close" else None


async def events_until(comm: WebsocketCommunicator, seq: int) -> tuple[list[dict], int]:
    """Every event received until a frame covers `seq`; also the number of frames."""
    received: list[dict] = []
    frames = 0
    while True:
        frame = await comm.receive_json_from(timeout=3)
        assert frame["type"] == "events"
        frames += 1
        received.extend(frame["events"])
        if frame["last_seq"] >= seq:
            return received, frames


def seqs(events: list[dict]) -> list[int]:
    return [event["seq"] for event in events]


store = sync_to_async(add_events)  # no close_old_connections: the test transaction stays


async def live(event: dict[str, Any]) -> None:
    """Deliver an event to the run's group the way the relay does."""
    await get_channel_layer().group_send(
        f"run-{event['run']}", {"type": "run.events", "events": [event]}
    )


def test_an_anonymous_socket_is_closed_with_4401(run):
    async def body() -> None:
        assert await close_code(socket(run.pk)) == 4401

    run_async(body)


def test_another_users_run_is_closed_with_4403(run, outsider):
    outsider_cookie = login(outsider)

    async def body() -> None:
        assert await close_code(socket(run.pk, cookie=outsider_cookie)) == 4403
        assert await close_code(socket(999_999, cookie=outsider_cookie)) == 4403

    run_async(body)


def test_a_foreign_origin_is_refused_at_the_handshake(run, owner):
    owner_cookie = login(owner)

    async def body() -> None:
        connected, _ = await socket(
            run.pk, cookie=owner_cookie, origin="https://evil.example"
        ).connect()
        assert not connected

    run_async(body)


def test_staff_may_watch_any_run(run, admin_user_):
    admin_user__cookie = login(admin_user_)

    async def body() -> None:
        comm = socket(run.pk, cookie=admin_user__cookie, query="after=0")
        assert (await comm.connect())[0]
        received, _ = await events_until(comm, run.last_seq)
        assert seqs(received) == list(range(1, run.last_seq + 1))
        await comm.disconnect()

    run_async(body)


def test_a_client_gets_every_event_after_the_seq_it_sent_in_hello(run, owner):
    owner_cookie = login(owner)

    async def body() -> None:
        more = await store(run, status_event("a", "Running"), log_event("a", "hello"))
        comm = socket(run.pk, cookie=owner_cookie)
        assert (await comm.connect())[0]
        await comm.send_json_to({"type": "hello", "after": 2})
        received, _ = await events_until(comm, more[-1]["seq"])
        assert seqs(received) == list(range(3, more[-1]["seq"] + 1))
        assert received[-1]["payload"]["lines"] == [["stdout", "hello"]]
        await comm.disconnect()

    run_async(body)


def test_events_at_the_replay_boundary_arrive_once_and_in_order(run, owner):
    owner_cookie = login(owner)

    async def body() -> None:
        comm = socket(run.pk, cookie=owner_cookie)
        assert (await comm.connect())[0]
        stored = await store(run, status_event("a", "Running"), status_event("b", "Running"))
        # Published while the client had not said hello yet: held, then deduplicated.
        for event in stored:
            await live(event)
        await comm.send_json_to({"type": "hello", "after": 0})
        received, _ = await events_until(comm, stored[-1]["seq"])
        later = await store(run, status_event("a", "Completed"))
        await live(stored[0])  # a late duplicate
        await live(later[0])
        received += (await events_until(comm, later[0]["seq"]))[0]
        assert seqs(received) == list(range(1, later[0]["seq"] + 1))
        assert await comm.receive_nothing(timeout=0.2)
        await comm.disconnect()

    run_async(body)


def test_a_live_event_ahead_of_the_cursor_pulls_the_missing_ones_from_the_database(run, owner):
    owner_cookie = login(owner)

    async def body() -> None:
        comm = socket(run.pk, cookie=owner_cookie, query=f"after={run.last_seq}")
        assert (await comm.connect())[0]
        stored = await store(run, status_event("a", "Running"), status_event("a", "Completed"))
        await live(stored[1])  # the layer lost (or another process has not yet sent) the first
        received, _ = await events_until(comm, stored[1]["seq"])
        assert seqs(received) == seqs(stored)
        await comm.disconnect()

    run_async(body)


def test_an_event_committed_in_a_worker_thread_reaches_the_socket(run, owner):
    from designer.live.publish import relay

    owner_cookie = login(owner)

    async def body() -> None:
        comm = socket(run.pk, cookie=owner_cookie, query=f"after={run.last_seq}")
        assert (await comm.connect())[0]
        stored = await store(run, status_event("a", "Running"))
        await asyncio.to_thread(relay.submit, stored[0])
        received, _ = await events_until(comm, stored[0]["seq"])
        assert received == stored
        await comm.disconnect()

    run_async(body)


def test_a_chatty_step_is_coalesced_into_few_frames_with_every_line_in_order(run, owner):
    owner_cookie = login(owner)

    async def body() -> None:
        comm = socket(run.pk, cookie=owner_cookie, query=f"after={run.last_seq}")
        assert (await comm.connect())[0]
        batches = [log_event("a", *(f"line {i}-{j}" for j in range(5))) for i in range(40)]
        stored = await store(run, *batches)
        for event in stored:
            await live(event)
        received, frames = await events_until(comm, stored[-1]["seq"])
        lines = [text for event in received for _, text in event["payload"]["lines"]]
        assert lines == [f"line {i}-{j}" for i in range(40) for j in range(5)]
        assert frames <= 3, "40 log batches arriving together go out in a few frames"
        await comm.disconnect()

    run_async(body)


def test_a_flood_of_log_lines_is_capped_per_frame_and_says_how_many_were_left_out(run, owner):
    owner_cookie = login(owner)

    async def body() -> None:
        comm = socket(run.pk, cookie=owner_cookie)
        assert (await comm.connect())[0]
        stored = await store(run, log_event("a", *(f"x{i}" for i in range(2000))))
        await comm.send_json_to({"type": "hello", "after": stored[0]["seq"] - 1})
        received, _ = await events_until(comm, stored[0]["seq"])
        payload = received[0]["payload"]
        assert len(payload["lines"]) == 501
        assert payload["dropped"] == 1500
        assert payload["lines"][-1] == [
            "conveyor",
            "1500 lines not shown live; the full log has them",
        ]
        await comm.disconnect()

    run_async(body)


def test_a_state_change_is_never_held_back_behind_log_coalescing(run, owner):
    owner_cookie = login(owner)

    async def body() -> None:
        comm = socket(run.pk, cookie=owner_cookie, query=f"after={run.last_seq}")
        assert (await comm.connect())[0]
        stored = await store(run, log_event("a", "one"), log_event("a", "two"))
        await live(stored[0])
        await events_until(comm, stored[0]["seq"])
        done = await store(run, status_event("a", "Completed"))
        await live(stored[1])
        await live(done[0])
        frame = await comm.receive_json_from(timeout=0.09)  # sooner than the log interval
        assert seqs(frame["events"]) == [stored[1]["seq"], done[0]["seq"]]
        await comm.disconnect()

    run_async(body)


def test_a_token_in_the_query_or_a_subprotocol_signs_the_socket_in(run, owner):
    from designer.core.models import ApiToken

    token, key = ApiToken.issue(user=owner, name="ws")

    async def body() -> None:
        comm = socket(run.pk, query=f"token={key}&after=0")
        assert (await comm.connect())[0]
        assert seqs((await events_until(comm, run.last_seq))[0])[0] == 1
        await comm.disconnect()
        comm = socket(run.pk, query="after=0", subprotocols=["conveyor", f"token.{key}"])
        connected, protocol = await comm.connect()
        assert connected and protocol == "conveyor", "the key is never echoed back"
        await events_until(comm, run.last_seq)
        await comm.disconnect()
        await sync_to_async(ApiToken.objects.filter(pk=token.pk).update)(
            revoked_at="2020-01-01T00:00:00Z"
        )
        assert await close_code(socket(run.pk, query=f"token={key}")) == 4401

    run_async(body)
