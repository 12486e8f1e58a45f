"""Live latency: a step's state change committed in a worker -> the event at a WebSocket client.

python bench/live_latency.py [--nodes 80] [--runs 2] [--mode embedded|scale-out|both]
        [--postgres URL] [--redis URL]

For each run: a gate step holds the pipeline while a WebSocket client (the `websockets`
library, token auth) connects; then the gate opens and `--nodes` steps fan out. Latency is
the client's receive time minus the event's `created_at` (stamped in the worker process
just before its transaction commits; same machine, same clock). Only step.status,
step.output and run.status events count: step.log is throttled to ~100 ms on purpose.
Embedded: `manage.py serve` (worker threads, in-memory layer). Scale-out: `serve` plus
one `rundramatiq` process, PostgreSQL, Redis broker and channels-redis.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import Api  # noqa: E402
from tests.engine.cluster import Cluster, fresh_postgres  # noqa: E402
from tests.support.server import ConveyorServer  # noqa: E402

GATE = """
name: bench_live_gate
version: "1"
type: command
is_deterministic: false
inputs:
  gate: {type: string}
outputs:
  out: {type: uri_folder}
command: while [ ! -e ${{inputs.gate}} ]; do sleep 0.02; done; echo ok > ${{outputs.out}}/x
"""
LEAF = """
name: bench_live_leaf
version: "1"
type: command
is_deterministic: false
inputs:
  data: {type: uri_folder}
outputs:
  out: {type: uri_folder}
command: echo ok > ${{outputs.out}}/x
"""
COUNTED = {"step.status", "step.output", "run.status"}


def document(name: str, gate: Path, nodes: int) -> dict[str, Any]:
    leaves = [{"id": f"n{i}", "component": "bench_live_leaf@1", "inputs": {}} for i in range(nodes)]
    return {
        "schema_version": 1,
        "name": name,
        "inputs": {},
        "outputs": {},
        "settings": {"default_compute": "cpu", "continue_on_step_failure": False},
        "nodes": [
            {
                "id": "gate",
                "component": "bench_live_gate@1",
                "inputs": {"gate": {"value": str(gate)}},
            },
            *leaves,
        ],
        "edges": [
            {"source": "gate", "source_port": "out", "target": f"n{i}", "target_port": "data"}
            for i in range(nodes)
        ],
    }


def watch(url: str, origin: str, token: str, out: list[float], done: threading.Event) -> None:
    from websockets.sync.client import connect

    with connect(f"{url}?token={token}", origin=origin, open_timeout=10) as ws:  # type: ignore[arg-type]
        ws.send(json.dumps({"type": "hello", "after": 0}))
        connected_at = time.time()
        while True:
            frame = json.loads(ws.recv(timeout=120))
            received = time.time()
            for event in frame.get("events", []):
                created = datetime.datetime.fromisoformat(event["created_at"]).timestamp()
                if event["type"] in COUNTED and created > connected_at + 0.05:
                    out.append((received - created) * 1000)
                if event["type"] == "run.status" and event["payload"]["status"] in (
                    "Completed",
                    "Failed",
                    "Canceled",
                ):
                    done.set()
                    return


def one_run(server: ConveyorServer, api: Api, nodes: int, home: Path, index: int) -> list[float]:
    gate = home / f"gate-{index}"
    created = api.create_pipeline(document(f"bench-live-{index}", gate, nodes))
    run = api.post("/api/runs/", {"pipeline": created["id"]})
    latencies: list[float] = []
    done = threading.Event()
    ws_url = server.url.replace("http://", "ws://") + f"/ws/runs/{run['id']}/"
    thread = threading.Thread(target=watch, args=(ws_url, server.url, api.token, latencies, done))
    thread.start()
    time.sleep(1.0)  # the client is connected and has replayed the start
    gate.touch()
    thread.join(timeout=180)
    if not done.is_set():
        detail = api.get(f"/api/runs/{run['id']}/")
        raise RuntimeError(f"run {run['id']} did not finish: {detail['status']}")
    return latencies


def measure(server: ConveyorServer, nodes: int, runs: int, home: Path) -> list[float]:
    api = Api(server.url, "admin", server.admin_password)
    for spec in (GATE, LEAF):
        api.post("/api/components/", {"spec": spec})
    one_run(server, api, 4, home, 999)  # warm-up: imports, connections
    latencies: list[float] = []
    for index in range(runs):
        latencies += one_run(server, api, nodes, home, index)
    return latencies


def report(mode: str, latencies: list[float]) -> None:
    ordered = sorted(latencies)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    print(
        f"{mode:>10}: {len(ordered)} events  p50 {statistics.median(ordered):6.1f} ms  "
        f"p95 {p(0.95):6.1f} ms  p99 {p(0.99):6.1f} ms  max {ordered[-1]:6.1f} ms"
    )


def embedded(nodes: int, runs: int) -> None:
    home = Path(tempfile.mkdtemp(prefix="conveyor-bench-live-"))
    server = ConveyorServer(home=home, env_extra={"CONVEYOR_LOG_LEVEL": "WARNING"}).start()
    try:
        report("embedded", measure(server, nodes, runs, home))
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def scale_out(nodes: int, runs: int, postgres: str, redis: str) -> None:
    home = Path(tempfile.mkdtemp(prefix="conveyor-bench-live-scale-"))
    database, drop = fresh_postgres(postgres)
    env = {"DATABASE_URL": database, "CONVEYOR_BROKER_URL": redis, "CONVEYOR_CHANNELS_URL": redis}
    server = ConveyorServer(home=home, env_extra={**env, "CONVEYOR_LOG_LEVEL": "WARNING"}).start()
    cluster = Cluster(database_url=database, broker_url=redis, home=home, **env)
    cluster.start_worker(("cpu",))
    try:
        cluster.wait_ready()
        report("scale-out", measure(server, nodes, runs, home))
    finally:
        cluster.stop()
        server.stop()
        drop()
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=80)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--mode", choices=["embedded", "scale-out", "both"], default="both")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    args = parser.parse_args()
    assert urlparse(args.redis).scheme == "redis"
    print(f"{args.runs} runs x (gate + {args.nodes} steps); latency = commit in worker -> client")
    if args.mode in ("embedded", "both"):
        embedded(args.nodes, args.runs)
    if args.mode in ("scale-out", "both"):
        scale_out(args.nodes, args.runs, args.postgres, args.redis)


if __name__ == "__main__":
    main()
