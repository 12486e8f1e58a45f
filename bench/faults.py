"""Recovery from infrastructure faults, the big version of tests/faults/.

python bench/faults.py [--runs 50] [--seconds 0.3] [--workers 2] [--threads 4]
                       [--faults redis,postgres,terminate,worker,rabbitmq]

For each fault: a fresh PostgreSQL database, supervised `manage.py worker` processes on
Redis (RabbitMQ for the rabbitmq fault), RUNS runs of a 20-step pipeline (chains, fan-out
and fan-in) submitted at once; the fault is injected once steps run. Printed per fault:
the outage, the longest time without any step completing after the fault starts (the
recovery time), total time and throughput, steps run more than once, and whether every
output was correct. Faults restart the shared services: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.engine.cluster import fresh_postgres  # noqa: E402
from tests.faults import services  # noqa: E402
from tests.faults.conftest import FAULTS_REDIS_DB, make_cluster  # noqa: E402
from tests.faults.workload import (  # noqa: E402
    Shape,
    outcome,
    query,
    submit,
    wait_done,
    wait_running,
)

# 20 steps: a chain of 4, a fan-out of 8 from it, fan-ins by pairs, a join and a tail.
SHAPE: Shape = {"c0": (None, None), "c1": ("c0", None), "c2": ("c1", None), "c3": ("c2", None)}
SHAPE.update({f"f{i}": ("c3", None) for i in range(8)})
SHAPE.update({f"p{i}": (f"f{2 * i}", f"f{2 * i + 1}") for i in range(4)})
SHAPE.update({"q0": ("p0", "p1"), "q1": ("p2", "p3"), "j": ("q0", "q1"), "end": ("j", None)})
assert len(SHAPE) == 20


def terminate(database: str, server: str) -> Callable[[], float]:
    name = database.rsplit("/", 1)[1]

    def fault() -> float:
        for _ in range(3):
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                )
            time.sleep(0.5)
        return time.time()

    return fault


def worker_kill(database: str, runs: list[int]) -> Callable[[], float]:
    def fault() -> float:
        rows = query(
            database,
            "SELECT worker_id FROM engine_steprun WHERE run_id = ANY(%s) AND status = 'Running'",
            (runs,),
        )
        os.kill(int(rows[0][0].split(":")[1]), signal.SIGKILL)
        return time.time()

    return fault


def one(fault: str, args: argparse.Namespace) -> dict[str, object]:
    home = Path(tempfile.mkdtemp(prefix=f"conveyor-bench-{fault}-"))
    database, drop = fresh_postgres(args.postgres)
    broker = args.amqp if fault == "rabbitmq" else f"{args.redis}/{FAULTS_REDIS_DB}"
    cluster = None
    try:
        cluster = make_cluster(database, broker, home, args.workers, args.threads)
        runs = submit(cluster, args.runs, args.seconds, SHAPE)
        started = time.time()
        wait_running(database, runs, at_least=2, timeout=120)
        injections: dict[str, Callable[[], float]] = {
            "redis": services.redis_restart,
            "postgres": services.postgres_restart,
            "rabbitmq": services.rabbitmq_restart,
            "terminate": terminate(database, args.postgres),
            "worker": worker_kill(database, runs),
        }
        fault_at = time.time()
        back_at = injections[fault]()
        wait_done(database, runs, ceiling=args.ceiling)
        result = outcome(database, runs, since=fault_at)
        ended = query(
            database,
            "SELECT extract(epoch from max(ended_at)) FROM engine_run WHERE id = ANY(%s)",
            (runs,),
        )[0][0]
        correct = "yes"
        try:
            result.assert_correct(
                home / "artifacts",
                retried=frozenset(result.steps) if fault == "worker" else frozenset(),
                shape=SHAPE,
            )
        except AssertionError as exc:
            correct = f"NO: {str(exc)[:200]}"
        steps = len(result.steps)
        again = [s["ended"] for s in result.steps.values() if s["attempt"] > 1 and s["ended"]]
        return {
            "fault": fault,
            "outage": back_at - fault_at,
            "stall": result.stall,
            "total": float(ended) - started,
            "throughput": steps / (float(ended) - started),
            "twice": len(again),
            "rerun_done": max(again) - fault_at if again else 0.0,
            "correct": correct,
        }
    finally:
        if cluster is not None:
            cluster.stop()
        services.redis_start()
        services.postgres_start()
        if args.keep:
            print(f"kept {home} and {database}")
        else:
            drop()
            shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    parser.add_argument("--amqp", default="amqp://guest:guest@127.0.0.1:5672/%2F")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=0.3, help="each step's sleep")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--ceiling", type=float, default=900)
    parser.add_argument("--faults", default="redis,postgres,terminate,worker")
    parser.add_argument("--keep", action="store_true", help="keep the worker logs")
    args = parser.parse_args()
    print(
        f"{args.runs} runs x {len(SHAPE)} steps ({args.seconds:g} s each), "
        f"{args.workers} supervised workers x {args.threads} threads, {os.cpu_count()} CPUs"
    )
    print(
        "| fault | outage s | longest stall s | reruns done after s | total s | steps/s"
        " | ran twice | correct |"
    )
    print("|" + "---|" * 8)
    for fault in args.faults.split(","):
        row = one(fault, args)
        print(
            f"| {row['fault']} | {row['outage']:.1f} | {row['stall']:.1f}"
            f" | {row['rerun_done']:.1f} | {row['total']:.1f}"
            f" | {row['throughput']:.1f} | {row['twice']} | {row['correct']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
