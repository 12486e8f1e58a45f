"""Against a real server (`manage.py serve`, embedded, sandbox on): a step cannot open a
connection to that server's own port or to PostgreSQL, and the server keeps serving."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Api
from tests.support.server import ConveyorServer

pytestmark = pytest.mark.live

CONNECT = """
name: h_connect_bash
version: "1"
type: command
is_deterministic: false
inputs:
  port: {type: integer}
outputs:
  out: {type: uri_folder}
command: >-
  for p in ${{inputs.port}} 5432; do
  if (echo > /dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "port $p: CONNECTED";
  else echo "port $p: refused"; fi; done > ${{outputs.out}}/report.txt
"""


@pytest.fixture
def server(tmp_path: Path, sandbox: Any) -> Iterator[ConveyorServer]:
    running = ConveyorServer(home=tmp_path / "home")
    running.home.mkdir()
    yield running.start()
    running.stop()


def finished(api: Api, run_id: int, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = api.get(f"/api/runs/{run_id}/")
        if run["status"] in ("Completed", "Failed", "Canceled"):
            return dict(run)
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not finish")


def test_a_step_cannot_reach_the_real_servers_port_and_the_server_keeps_serving(server):
    api = Api(server.url, "admin", server.admin_password)
    api.post("/api/components/", {"spec": CONNECT})
    node = {"id": "n", "component": "h_connect_bash@1", "inputs": {"port": {"value": server.port}}}
    document = {
        "schema_version": 1,
        "name": "connect",
        "inputs": {},
        "outputs": {},
        "settings": {"default_compute": "cpu"},
        "nodes": [{**node, "position": {"x": 0, "y": 0}}],
        "edges": [],
    }
    created = api.create_pipeline(document)
    run = finished(api, int(api.post("/api/runs/", {"pipeline": created["id"]})["id"]))
    assert run["status"] == "Completed", run
    url = f"{server.url}/api/runs/{run['id']}/steps/n/outputs/out/download/?path=report.txt"
    request = urllib.request.Request(url, headers={"Authorization": f"Token {api.token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        report = response.read().decode()
    assert f"port {server.port}: refused" in report and "port 5432: refused" in report, report
    assert api.get("/api/meta/")["sandbox"]["available"] is True
