"""Open 200- and 1,000-node pipelines in headless Chromium; print open time and pan frame rate.

    .venv/bin/python bench/canvas_open.py [--sizes 200 1000] [--runs 3] [--pan-seconds 3]

Starts its own server (tests/support/server.py) with a throwaway CONVEYOR_HOME, creates
valid pipelines of built-in components through the API (lanes of ten nodes: a chain with
a fan-out), then for each size opens the designer page in a fresh browser context.

- open: navigation start -> the "conveyor:canvas-ready" performance mark, which the app
  sets on the first frame painted after the loaded nodes were measured (useCanvasReadyMark).
- pan: frames counted with requestAnimationFrame while the mouse drags the canvas back
  and forth, at the fitted view (every node visible) and at zoom 1 (a screenful).

Targets (issue 4): 1,000 nodes open in <= 1.5 s; panning >= 30 fps. Numbers, not a test.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support.server import ConveyorServer  # noqa: E402

LANE = 10
READY_MARK = "conveyor:canvas-ready"
VIEWPORT = {"width": 1440, "height": 900}


def node(node_id: str, component: str, x: int, y: int, inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": node_id,
        "component": component,
        "display_name": node_id,
        "position": {"x": x, "y": y},
        "inputs": inputs,
        "compute": None,
        "settings": {"timeout_seconds": None},
    }


def lane(index: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Ten nodes: load -> split -> six chained splits -> train, plus a split fanned out."""
    y = index * 320
    ids = [f"l{index}_n{i}" for i in range(LANE)]
    nodes = [node(ids[0], "load_csv@1", 0, y, {"source": {"pipeline_input": "raw_data"}})]
    edges = []

    def link(source: str, port: str, target: str, target_port: str) -> None:
        edges.append(
            {"source": source, "source_port": port, "target": target, "target_port": target_port}
        )

    for i in range(1, 8):
        nodes.append(node(ids[i], "split_data@1", i * 300, y, {"seed": {"value": i}}))
        source_port = "output_data" if i == 1 else "train_data"
        link(ids[i - 1], source_port, ids[i], "input_data")
    nodes.append(node(ids[8], "split_data@1", 2 * 300, y + 160, {}))
    link(ids[1], "test_data", ids[8], "input_data")
    nodes.append(
        node(ids[9], "train_classifier@1", 8 * 300, y, {"target_column": {"value": "species"}})
    )
    link(ids[7], "train_data", ids[9], "training_data")
    return nodes, edges


def document(size: int) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    for index in range(size // LANE):
        lane_nodes, lane_edges = lane(index)
        nodes += lane_nodes
        edges += lane_edges
    return {
        "schema_version": 1,
        "name": f"bench-{size}-nodes",
        "description": f"{size} nodes in lanes of {LANE}",
        "inputs": {"raw_data": {"type": "uri_file", "default": "data/iris.csv"}},
        "outputs": {},
        "settings": {
            "default_compute": "cpu",
            "continue_on_step_failure": False,
            "force_rerun": False,
        },
        "nodes": nodes,
        "edges": edges,
    }


def post(url: str, path: str, body: Any, token: str | None = None) -> Any:
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def create_pipeline(url: str, token: str, size: int) -> int:
    doc = document(size)
    body = {"name": doc["name"], "description": doc["description"], "document": doc}
    created = post(url, "/api/pipelines/", {**body, "message": "bench"}, token)
    latest = created["latest"]
    if not latest["is_valid"]:
        raise SystemExit(f"the {size}-node document is invalid: {latest['errors'][:3]}")
    return int(created["id"])


def measure_open(context: Any, url: str, pipeline_id: int) -> tuple[float, int]:
    """Milliseconds from navigation start to the ready mark, and the nodes in the DOM then."""
    page = context.new_page()
    page.goto(f"{url}/pipelines/{pipeline_id}", wait_until="commit")
    page.wait_for_function(
        f"performance.getEntriesByName('{READY_MARK}').length > 0", timeout=60_000, polling=16
    )
    ms = page.evaluate(f"performance.getEntriesByName('{READY_MARK}')[0].startTime")
    rendered = page.locator(".react-flow__node").count()
    page.close()
    return float(ms), rendered


PAN_COUNTER = """() => {
  window.__frames = [];
  const tick = (t) => { window.__frames.push(t); window.__raf = requestAnimationFrame(tick); };
  window.__raf = requestAnimationFrame(tick);
}"""


def measure_pan(page: Any, seconds: float) -> tuple[float, float, int]:
    """Frames per second and the longest frame (ms) while dragging the pane to and fro."""
    box = page.locator(".react-flow__pane").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.evaluate(PAN_COUNTER)
    start = time.perf_counter()
    step = 0
    while time.perf_counter() - start < seconds:
        step += 1
        dx = 200 * ((step // 40) % 2 * 2 - 1) * ((step % 40) / 40)
        page.mouse.move(cx + dx, cy + dx / 3)
    page.mouse.up()
    frames = page.evaluate("cancelAnimationFrame(window.__raf), window.__frames")
    gaps = [b - a for a, b in itertools.pairwise(frames)]
    elapsed = (frames[-1] - frames[0]) / 1000 if len(frames) > 1 else seconds
    rendered = page.locator(".react-flow__node").count()
    return (len(frames) - 1) / elapsed, max(gaps, default=0.0), rendered


def bench_size(browser: Any, url: str, state: Any, pipeline_id: int, args: Any) -> dict[str, Any]:
    opens = []
    for _ in range(args.runs):
        context = browser.new_context(viewport=VIEWPORT, storage_state=state)
        opens.append(measure_open(context, url, pipeline_id))
        context.close()
    context = browser.new_context(viewport=VIEWPORT, storage_state=state)
    page = context.new_page()
    page.goto(f"{url}/pipelines/{pipeline_id}")
    page.wait_for_function(f"performance.getEntriesByName('{READY_MARK}').length > 0")
    page.wait_for_timeout(300)
    fitted = measure_pan(page, args.pan_seconds)
    page.get_by_test_id("btn-fit").click()
    page.wait_for_timeout(400)
    zoom = page.locator(".react-flow__controls-zoomin")
    for _ in range(40):
        scale = page.evaluate(
            "new DOMMatrix(getComputedStyle(document.querySelector('.react-flow__viewport'))"
            ".transform).a"
        )
        if scale >= 0.95:
            break
        zoom.click()
        page.wait_for_timeout(60)
    page.wait_for_timeout(300)
    at_one = measure_pan(page, args.pan_seconds)
    context.close()
    return {"opens": opens, "fitted": fitted, "zoom1": at_one}


def report(size: int, result: dict[str, Any]) -> None:
    times = [ms for ms, _ in result["opens"]]
    rendered = result["opens"][-1][1]
    print(f"{size:>5} nodes  open: median {statistics.median(times):7.0f} ms", end="")
    print(f"  (runs: {', '.join(f'{t:.0f}' for t in times)}; {rendered} nodes in the DOM)")
    for label, (fps, worst, dom) in (("open view", result["fitted"]), ("zoom 1", result["zoom1"])):
        print(
            f"{'':>12}pan at {label:<8}: {fps:5.1f} fps  (longest frame {worst:5.0f} ms; ", end=""
        )
        print(f"{dom} nodes in the DOM)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pan-seconds", type=float, default=3.0)
    args = parser.parse_args()
    if not (ROOT / "frontend" / "dist" / "index.html").exists():
        raise SystemExit("frontend/dist is missing: cd frontend && npm run build")

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as home:
        server = ConveyorServer(home=Path(home)).start()
        try:
            credentials = {"username": "admin", "password": server.admin_password}
            token = post(server.url, "/api/auth/token/", {**credentials, "name": "bench"})["token"]
            ids = {size: create_pipeline(server.url, token, size) for size in args.sizes}
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                login = browser.new_context(viewport=VIEWPORT)
                page = login.new_page()
                page.goto(server.url + "/login")
                page.get_by_label("Username").fill("admin")
                page.get_by_label("Password").fill(server.admin_password)
                page.get_by_test_id("btn-login").click()
                page.wait_for_url("**/pipelines")
                state = login.storage_state()
                login.close()
                print(
                    f"Chromium {browser.version}, viewport {VIEWPORT['width']}x{VIEWPORT['height']}"
                )
                for size in args.sizes:
                    report(size, bench_size(browser, server.url, state, ids[size], args))
                browser.close()
        finally:
            server.stop()
    print("targets: 1,000 nodes open <= 1500 ms; pan >= 30 fps")


if __name__ == "__main__":
    main()
