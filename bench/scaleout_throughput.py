"""Scale-out throughput: steps per second against the number of worker processes.

python bench/scaleout_throughput.py [--width 200] [--threads 4] [--processes 1,2,4] [--costs-only]

PostgreSQL + Redis, a fan-out of WIDTH short steps (`bench_noop`, force_rerun), run once
per worker count (each worker a `rundramatiq --processes 1 --threads T`). Printed per
count: the run's created -> ended time, steps/s, and the median queued -> started and
started -> ended of its steps (the claim queue shows up in the first), and the worker
processes' own CPU per step. First, the engine's costs per step with the same fan-out
executed one step at a time in one process: SQL statements, Redis commands, CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import fanout  # noqa: E402
from tests.engine.cluster import Cluster, fresh_postgres  # noqa: E402
from tests.faults.conftest import ENV_DIR  # noqa: E402


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


def engine_cpu(roots: list[int]) -> float:
    """CPU seconds (user + system) of the worker processes themselves, not their steps:
    the rundramatiq processes under each root (step subprocesses are not counted)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_stat(int(entry.name))[1])
            except (OSError, IndexError, ValueError):
                continue
    tree = set(roots)
    for _ in range(3):  # supervisor -> rundramatiq -> worker process
        tree |= {pid for pid, parent in parents.items() if parent in tree}
    total = 0.0
    for pid in tree:
        try:
            fields = _stat(pid)
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"manage.py" in command or b"dramatiq" in command:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def measure(args: argparse.Namespace, processes: int) -> dict[str, float]:
    home = Path(tempfile.mkdtemp(prefix="conveyor-bench-throughput-"))
    database, drop = fresh_postgres(args.postgres)
    cluster = Cluster(
        database_url=database,
        broker_url=args.redis,
        home=home,
        threads=args.threads,
        CONVEYOR_COMPONENTS_DIR=str(ROOT / "bench" / "components"),
        CONVEYOR_ENV_DIR=str(ENV_DIR),  # Built once (first use), shared by the counts.
    )
    try:
        cluster.driver("setup")
        cluster.driver("register", str(ROOT / "bench" / "components" / "noop.yml"))
        for _ in range(processes):
            cluster.start_worker()
        cluster.wait_ready(4 + processes)
        # A warm-up run, so imports, plans and connections are not measured.
        settings = json.dumps({"force_rerun": True})
        warm = cluster.driver("submit", "warm", json.dumps(fanout(2 * processes)), settings)
        cluster.driver("wait", str(warm["run"]), "600")
        pids = [p.pid for p in cluster.workers]
        cpu_before = engine_cpu(pids)
        run = cluster.driver("submit", "fan", json.dumps(fanout(args.width)), settings)["run"]
        result = cluster.driver("wait", str(run), "900")
        engine_seconds = engine_cpu(pids) - cpu_before
        assert result["status"] == "Completed", result["status"]
        phases = cluster.driver("timings", str(run))
        return {
            "seconds": result["seconds"],
            "rate": args.width / result["seconds"],
            "queued_to_started": phases["queued_to_started"],
            "started_to_ended": phases["started_to_ended"],
            "cpu_per_step": engine_seconds / args.width,
        }
    finally:
        cluster.stop()
        drop()
        shutil.rmtree(home, ignore_errors=True)
        time.sleep(1)


def costs(args: argparse.Namespace) -> dict[str, float]:
    """Queries, Redis commands and CPU per step of the fan-out, executed in one process."""
    home = Path(tempfile.mkdtemp(prefix="conveyor-bench-costs-"))
    database, drop = fresh_postgres(args.postgres)
    cluster = Cluster(
        database_url=database,
        broker_url=args.redis,
        home=home,
        CONVEYOR_COMPONENTS_DIR=str(ROOT / "bench" / "components"),
        CONVEYOR_ENV_DIR=str(ENV_DIR),
    )
    try:
        cluster.driver("setup")
        cluster.driver("register", str(ROOT / "bench" / "components" / "noop.yml"))
        result: dict[str, float] = cluster.driver("costs", str(args.width), timeout=900)
        return result
    finally:
        drop()
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--width", type=int, default=200)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument(
        "--costs-only", action="store_true", help="only the per-step costs, no workers"
    )
    args = parser.parse_args()
    print(
        f"fan-out of {args.width} bench_noop steps, PostgreSQL + Redis, "
        f"{args.threads} threads per worker process, {os.cpu_count()} CPUs"
    )
    cost = costs(args)
    print(
        f"engine per step, the steps executed one by one in one process: "
        f"{cost['queries_per_step']:.1f} SQL statements (BEGIN/COMMIT included), "
        f"{cost['redis_per_step']:.1f} Redis commands, {cost['cpu_per_step'] * 1000:.1f} ms CPU"
        " (the step subprocess not included)",
        flush=True,
    )
    if args.costs_only:
        return
    print(
        "| worker processes | run s | steps/s | median queued->started ms | median run ms"
        " | worker CPU ms/step |"
    )
    print("|---|---|---|---|---|---|")
    for processes in (int(p) for p in args.processes.split(",")):
        row = measure(args, processes)
        print(
            f"| {processes} | {row['seconds']:.2f} | {row['rate']:.1f}"
            f" | {row['queued_to_started'] * 1000:.0f} | {row['started_to_ended'] * 1000:.0f}"
            f" | {row['cpu_per_step'] * 1000:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
