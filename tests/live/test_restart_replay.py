"""Events survive a server restart: a client that reconnects gets exactly what it missed."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from conveyor.client import Client
from tests.support.server import ConveyorServer

pytestmark = pytest.mark.live

SLEEPER = """
name: replay_sleeper
version: 1
type: command
inputs:
  seconds: {type: integer, default: 3}
outputs:
  out: {type: uri_folder}
command: echo start && sleep ${{inputs.seconds}} && echo slept > ${{outputs.out}}/done.txt
"""


def _document() -> dict[str, Any]:
    node = {"component": "replay_sleeper@1", "inputs": {"seconds": {"value": 3}}}
    return {
        "schema_version": 1,
        "name": "replay-across-restart",
        "nodes": [{"id": "first", **node}, {"id": "second", **node}],
        "edges": [],
    }


def _socket(server: ConveyorServer, run_id: int, token: str) -> ClientConnection:
    url = f"ws://127.0.0.1:{server.port}/ws/runs/{run_id}/?token={token}"
    return connect(url, origin=server.url, open_timeout=10)  # type: ignore[arg-type]


def _events_until(ws: ClientConnection, after: int, stop: Any, timeout: float) -> list[dict]:
    """Say hello from `after`, then collect events until `stop(event)` is true."""
    ws.send(json.dumps({"type": "hello", "after": after}))
    events: list[dict] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        for event in frame.get("events", []):
            events.append(event)
            if stop(event):
                return events
    raise AssertionError(f"stopped waiting after {len(events)} events: {events[-3:]}")


def _is_running(event: dict) -> bool:
    return event["type"] == "step.status" and event["payload"]["status"] == "Running"


def _run_ended(event: dict) -> bool:
    payload = event["payload"]
    return event["type"] == "run.status" and payload["status"] in {"Completed", "Failed"}


def test_a_client_reconnecting_after_a_server_restart_gets_every_event_exactly_once(
    tmp_path: Path,
) -> None:
    server = ConveyorServer(home=tmp_path).start()
    try:
        token = Client.login(server.url, "admin", server.admin_password)
        client = Client(server.url, token)
        client.request("POST", "/api/components/", fields={"spec": SLEEPER})
        saved = client.pipeline_save(_document(), message="replay test")
        run_id = client.submit(saved["pipeline"], version=saved["version"])["id"]
        with _socket(server, run_id, token) as ws:
            before = _events_until(ws, 0, _is_running, 30)
        server.stop(signal.SIGKILL)
        restarted = ConveyorServer(home=tmp_path, port=server.port).start()
        try:
            with _socket(restarted, run_id, token) as ws:
                after = _events_until(ws, before[-1]["seq"], _run_ended, 90)
        finally:
            restarted.stop()
    finally:
        server.stop()
    seqs = [e["seq"] for e in before + after]
    assert seqs == list(range(1, len(seqs) + 1)), seqs
    assert after[-1]["payload"]["status"] == "Completed"
    stored = client_events(tmp_path, run_id)
    assert stored == seqs


def client_events(home: Path, run_id: int) -> list[int]:
    """The sequence numbers stored for the run, read from a server started once more."""
    server = ConveyorServer(home=home).start()
    try:
        client = Client(server.url, Client.login(server.url, "admin", server.admin_password))
        body = client.get(f"/api/runs/{run_id}/events/", after=0)
        return [e["seq"] for e in body["events"]]
    finally:
        server.stop()
