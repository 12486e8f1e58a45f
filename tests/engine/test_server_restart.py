"""The embedded server killed with SIGKILL mid-run and started again finishes the run."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import pytest

from conveyor.client import Client
from tests.support.server import ConveyorServer

pytestmark = pytest.mark.live

SLEEPER = """
name: restart_sleeper
version: 1
type: command
inputs:
  seconds: {type: integer, default: 3}
outputs:
  out: {type: uri_folder}
command: sleep ${{inputs.seconds}} && echo slept > ${{outputs.out}}/done.txt
"""
FOLLOWER = """
name: restart_follower
version: 1
type: command
inputs:
  data: {type: uri_folder}
outputs:
  out: {type: uri_folder}
command: cat ${{inputs.data}}/done.txt > ${{outputs.out}}/copied.txt
"""


def _document() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "name": "restart-me",
        "nodes": [
            {"id": "sleep", "component": "restart_sleeper@1", "inputs": {"seconds": {"value": 4}}},
            {"id": "follow", "component": "restart_follower@1"},
        ],
        "edges": [
            {"source": "sleep", "source_port": "out", "target": "follow", "target_port": "data"}
        ],
    }


def _wait_for(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _step(run: dict[str, Any], node: str) -> dict[str, Any]:
    return next(s for s in run["steps"] if s["node"] == node)


def test_a_server_killed_mid_step_finishes_the_run_after_a_restart(tmp_path: Path) -> None:
    server = ConveyorServer(home=tmp_path).start()
    try:
        client = Client(server.url, Client.login(server.url, "admin", server.admin_password))
        for spec in (SLEEPER, FOLLOWER):
            client.request("POST", "/api/components/", fields={"spec": spec})
        saved = client.pipeline_save(_document(), message="restart test")
        run_id = client.submit(saved["pipeline"], version=saved["version"])["id"]
        _wait_for(
            lambda: _step(client.run(run_id), "sleep")["status"] == "Running",
            30,
            "the step to run",
        )
        server.stop(signal.SIGKILL)

        restarted = ConveyorServer(home=tmp_path, port=server.port).start()
        try:
            run = _wait_for(
                lambda: (r := client.run(run_id))["status"] in {"Completed", "Failed"} and r,
                60,
                "the run to end after the restart",
            )
        finally:
            restarted.stop()
    finally:
        server.stop()
    assert run["status"] == "Completed", run
    sleep, follow = _step(run, "sleep"), _step(run, "follow")
    assert sleep["attempt"] == 2 and sleep["status"] == "Completed"
    assert "restarted" in sleep["reason"], sleep["reason"]
    assert follow["status"] == "Completed"
    assert follow["outputs"]["out"]["size"] > 0
