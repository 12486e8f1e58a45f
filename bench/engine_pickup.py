"""Idle pickup latency of a Redis-backed Dramatiq worker, as tuned by the engine.

python bench/engine_pickup.py [--redis URL] [--idle 3] [--samples 15]

A worker (2 threads, the engine's EngineMiddleware worker_timeout) sits idle for --idle
seconds, then one message is enqueued; the time from enqueue to the actor running is one
sample. Also measured with Dramatiq's default worker_timeout (1000 ms) for comparison.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "designer.settings")

import django  # noqa: E402

django.setup()

import dramatiq  # noqa: E402
from django.conf import settings  # noqa: E402
from dramatiq.brokers.redis import RedisBroker  # noqa: E402

from designer.engine.middleware import tune_worker  # noqa: E402


def samples(url: str, idle: float, count: int, *, tuned: bool) -> list[float]:
    broker = RedisBroker(url=url, namespace=f"conveyor-pickup-{uuid.uuid4().hex[:8]}")
    received = threading.Event()
    sent_at: list[float] = [0.0]
    got: list[float] = []

    @dramatiq.actor(broker=broker, queue_name="cpu", max_retries=0)
    def ping() -> None:
        got.append(time.perf_counter() - sent_at[0])
        received.set()

    worker = dramatiq.Worker(broker, worker_threads=2)
    if tuned:
        tune_worker(worker)
    worker.start()
    try:
        for _ in range(count):
            time.sleep(idle)
            received.clear()
            sent_at[0] = time.perf_counter()
            ping.send()
            if not received.wait(10):
                raise TimeoutError("the message was not picked up")
    finally:
        worker.stop()
        broker.flush_all()
        broker.close()
    return got


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--idle", type=float, default=3.0)
    parser.add_argument("--samples", type=int, default=15)
    args = parser.parse_args()
    for label, tuned in (
        (f"worker_timeout {settings.ENGINE_WORKER_TIMEOUT_MS} ms (engine)", True),
        ("worker_timeout 1000 ms (Dramatiq default)", False),
    ):
        got = sorted(samples(args.redis, args.idle, args.samples, tuned=tuned))
        p90 = got[int(len(got) * 0.9) - 1]
        print(
            f"{label:<42} after {args.idle:g} s idle: median {statistics.median(got) * 1000:6.2f}"
            f" ms  p90 {p90 * 1000:6.2f} ms  max {got[-1] * 1000:6.2f} ms  (n={len(got)})"
        )


if __name__ == "__main__":
    main()
