"""The run page in a real Chromium: nodes turn running then completed without a reload, the
log streams, an output table previews, and a dropped socket catches up. Runs embedded, and
scale-out with a separate `rundramatiq` worker, PostgreSQL and channels-redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DIST_INDEX, VIEWPORT, Api, sign_in
from tests.conftest import need_service
from tests.engine.cluster import Cluster, fresh_postgres
from tests.support.server import ConveyorServer

pytestmark = [pytest.mark.live, pytest.mark.browser]

# Waits for a gate file, so the test decides when the step may finish. The file is in the
# step's own TMPDIR: the sandboxed step sees nothing else the test could write.
GATED = """
name: live_gated_table
version: "1"
type: command
is_deterministic: false
outputs:
  table: {type: uri_folder}
command: >-
  echo "waiting for the gate"; n=0;
  while [ ! -e "$TMPDIR/gate" ]; do n=$((n+1)); echo "tick $n"; sleep 0.1; done;
  printf 'id,name,score\\n1,ada,0.5\\n2,bob,0.75\\n' > ${{outputs.table}}/data.csv;
  echo "wrote the table"
"""
COPY = """
name: live_copy
version: "1"
type: command
is_deterministic: false
inputs:
  data: {type: uri_folder}
outputs:
  out: {type: uri_folder}
command: cp ${{inputs.data}}/data.csv ${{outputs.out}}/data.csv && echo copied
"""


def pipeline(name: str) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "name": name,
        "inputs": {},
        "outputs": {},
        "settings": {"default_compute": "cpu", "continue_on_step_failure": False},
        "nodes": [
            {
                "id": "make",
                "component": "live_gated_table@1",
                "inputs": {},
                "position": {"x": 0, "y": 0},
            },
            {
                "id": "copy",
                "component": "live_copy@1",
                "inputs": {},
                "position": {"x": 320, "y": 0},
            },
        ],
        "edges": [
            {"source": "make", "source_port": "table", "target": "copy", "target_port": "data"}
        ],
    }


def other_redis_db(url: str) -> str:
    """A Redis database of our own: other suites' workers must not take our messages."""
    return urlunparse(urlparse(url)._replace(path="/13"))


@pytest.fixture(scope="module", params=["embedded", "scale-out"])
def conveyor(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    if not DIST_INDEX.exists():
        pytest.fail(
            f"{DIST_INDEX} is missing: build the front end first (cd frontend && npm run build)"
        )
    home = tmp_path_factory.mktemp(f"run-page-{request.param}")
    if request.param == "embedded":
        server = ConveyorServer(home=home).start()
        yield server
        server.stop()
        return
    redis = other_redis_db(need_service("redis"))
    database, drop = fresh_postgres(need_service("postgres"))
    env = {"DATABASE_URL": database, "CONVEYOR_BROKER_URL": redis, "CONVEYOR_CHANNELS_URL": redis}
    server = ConveyorServer(home=home, env_extra=env).start()
    cluster = Cluster(database_url=database, broker_url=redis, home=home, **env)
    cluster.start_worker(("cpu",))
    yield server
    cluster.stop()
    server.stop()
    drop()


@pytest.fixture(scope="module")
def api(conveyor: ConveyorServer) -> Api:
    client = Api(conveyor.url, "admin", conveyor.admin_password)
    for spec in (GATED, COPY):
        client.post("/api/components/", {"spec": spec})
    return client


@pytest.fixture(scope="module")
def browser(playwright_browser: Any) -> Any:
    return playwright_browser


@pytest.fixture
def page(browser: Any, conveyor: ConveyorServer) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT, base_url=conveyor.url)
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, conveyor.admin_password)
    yield page
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def submit(api: Api, name: str) -> int:
    created = api.create_pipeline(pipeline(name))
    return int(api.post("/api/runs/", {"pipeline": created["id"]})["id"])


def gate_of(conveyor: ConveyorServer, run_id: int) -> Path:
    """The gate file in the TMPDIR of the run's "make" step (first attempt)."""
    return conveyor.home / "artifacts" / "runs" / str(run_id) / "make" / "1" / "tmp" / "gate"


def node_status(page: Any, node: str, status: str) -> None:
    page.wait_for_selector(f'[data-testid="run-node-{node}"][data-status="{status}"]')


def test_nodes_turn_running_then_completed_live_and_the_log_and_table_show(
    page, api, conveyor, tmp_path
):
    run_id = submit(api, f"live-page-{tmp_path.name}")
    gate = gate_of(conveyor, run_id)
    page.goto(f"/runs/{run_id}")
    node_status(page, "make", "Running")
    page.wait_for_selector('[data-testid="run-connection"][data-state="live"]')
    node_status(page, "copy", "NotStarted")
    page.get_by_test_id("run-node-make").click()
    log = page.get_by_test_id("log-view")
    log.get_by_text("waiting for the gate").wait_for()
    log.get_by_text("tick 5", exact=True).wait_for()  # lines keep streaming in
    gate.touch()
    node_status(page, "make", "Completed")
    node_status(page, "copy", "Completed")
    page.wait_for_selector('[data-testid="run-status"]:has-text("Completed")')
    log.get_by_text("wrote the table").wait_for()
    page.get_by_test_id("tab-outputs").click()
    table = page.get_by_test_id("preview-table")
    table.wait_for()
    assert table.locator("th").all_inner_texts() == ["id\nint64", "name\nstring", "score\ndouble"]
    assert table.locator("tbody tr").count() == 2
    assert page.evaluate("window.__conveyorRunSocket.opens") == 1, "no reload, no reconnect"


def test_a_dropped_socket_catches_up_with_what_happened_meanwhile(page, api, conveyor, tmp_path):
    run_id = submit(api, f"live-drop-{tmp_path.name}")
    gate = gate_of(conveyor, run_id)
    page.goto(f"/runs/{run_id}")
    node_status(page, "make", "Running")
    page.wait_for_selector('[data-testid="run-connection"][data-state="live"]')
    # Stall reconnecting while the run moves on: the page must replay what it missed.
    page.evaluate(
        """() => {
            const Real = window.WebSocket;
            window.__realWebSocket = Real;
            window.WebSocket = function (url, protocols) {
                throw new Error('offline');
            };
            window.__conveyorRunSocket.drop();
        }"""
    )
    page.wait_for_selector('[data-testid="run-connection"][data-state="reconnecting"]')
    gate.touch()
    api_done = wait_for_run(api, run_id)
    assert api_done == "Completed"
    node_status(page, "make", "Running")  # still stale while offline
    page.evaluate("() => { window.WebSocket = window.__realWebSocket; }")
    node_status(page, "make", "Completed")
    node_status(page, "copy", "Completed")
    page.wait_for_selector('[data-testid="run-status"]:has-text("Completed")')
    # A finished run shows no connection badge ("Live" would be a lie): count the opens.
    page.wait_for_function("window.__conveyorRunSocket.opens === 2")
    expect(page.get_by_test_id("run-connection")).to_have_count(0)


def wait_for_run(api: Api, run_id: int, timeout: float = 60.0) -> str:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = api.get(f"/api/runs/{run_id}/")["status"]
        if status in ("Completed", "Failed", "Canceled"):
            return str(status)
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not finish")
