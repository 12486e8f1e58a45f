"""Issue 10 §6-7 on the WebSocket: unknown paths close with 4404, bad messages get an error."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client

from tests.live.conftest import components, make_version  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def communicator(path: str, cookie: str | None = None) -> WebsocketCommunicator:
    from designer.asgi import application

    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if cookie is not None:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


def session_of(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def close_code_of(path: str, cookie: str | None = None) -> int | None:
    async def body() -> int | None:
        comm = communicator(path, cookie)
        connected, _ = await comm.connect()
        assert connected
        message = await comm.receive_output(timeout=3)
        await comm.wait()
        return message.get("code") if message["type"] == "websocket.close" else None

    return async_to_sync(body)()


@pytest.mark.parametrize("path", ["/ws/runs/abc/", "/ws/nothing/", "/ws/runs/1/extra/"])
def test_an_unknown_socket_path_closes_with_4404(owner: Any, path: str) -> None:
    assert close_code_of(path, session_of(owner)) == 4404


def test_a_run_id_past_the_database_integers_closes_with_4404(owner: Any) -> None:
    assert close_code_of(f"/ws/runs/{10**30}/", session_of(owner)) == 4404


def test_bad_deep_or_huge_messages_get_an_error_frame_or_a_close_not_a_crash(
    run: Any, owner: Any
) -> None:
    cookie = session_of(owner)

    async def body() -> None:
        comm = communicator(f"/ws/runs/{run.pk}/", cookie)
        connected, _ = await comm.connect()
        assert connected
        for text in ["not json", "[" * 1000 + "]" * 1000]:
            await comm.send_to(text_data=text)
            frame = await comm.receive_json_from(timeout=3)
            assert frame["type"] == "error" and frame["code"] == "parse_error"
        await comm.send_to(text_data='{"type": "ping"}')
        assert await comm.receive_json_from(timeout=3) == {"type": "pong"}
        await comm.send_to(text_data='{"type": "ping", "pad": "' + "x" * 10_000 + '"}')
        message = await comm.receive_output(timeout=3)
        assert message == {"type": "websocket.close", "code": 1009}
        await comm.wait()

    async_to_sync(body)()


def test_bad_tokens_on_the_socket_are_throttled_per_address_with_4429(
    run: Any, settings: Any
) -> None:
    settings.SIGNIN_THROTTLE_RATES = {**settings.SIGNIN_THROTTLE_RATES, "token_address": "5/h"}
    codes = [close_code_of(f"/ws/runs/{run.pk}/?token=guess-{i}") for i in range(7)]
    assert codes[:5] == [4401] * 5
    assert codes[5:] == [4429, 4429]
