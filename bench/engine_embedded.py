"""Engine overhead in embedded mode (SQLite, in-process broker, worker threads).

python bench/engine_embedded.py [--threads 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HOME = tempfile.mkdtemp(prefix="conveyor-bench-")
os.environ.update(CONVEYOR_HOME=HOME, CONVEYOR_LOG_LEVEL="WARNING")
os.environ.pop("DATABASE_URL", None)
os.environ.pop("CONVEYOR_BROKER_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "designer.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from bench.common import (  # noqa: E402
    COMPONENTS,
    Phases,
    chain,
    fanout,
    floor_seconds,
    report,
    report_reused,
)
from designer.engine import events  # noqa: E402
from designer.engine.models import TERMINAL  # noqa: E402
from designer.engine.submit import run_submit  # noqa: E402
from designer.engine.worker import embedded_worker_start, embedded_worker_stop  # noqa: E402
from designer.pipelines.services import pipeline_create  # noqa: E402
from designer.registry.services import component_register_file  # noqa: E402


class Finished:
    """Wakes the caller when a run.status event says the run ended (no polling)."""

    def __init__(self) -> None:
        self.ended: dict[int, threading.Event] = {}
        events.subscribe(self.on_event)

    def on_event(self, event: dict) -> None:
        if event["type"] == "run.status" and event["payload"]["status"] in TERMINAL:
            self.ended.setdefault(event["run"], threading.Event()).set()

    def wait(self, run_id: int, timeout: float = 600) -> None:
        if not self.ended.setdefault(run_id, threading.Event()).wait(timeout):
            raise TimeoutError(f"run {run_id} did not finish")


CPU: list[float] = []


def timed(version, user, finished: Finished, settings: dict | None = None) -> float:
    """Wall seconds from submit to the run's end; its CPU time (all threads of this
    process, not the step subprocesses: the engine's own work) is appended to CPU."""
    cpu = time.process_time()
    started = time.perf_counter()
    run = run_submit(pipeline_version=version, user=user, settings=settings)
    finished.wait(run.pk)
    elapsed = time.perf_counter() - started
    CPU.append(time.process_time() - cpu)
    run.refresh_from_db()
    assert run.status == "Completed", run.error
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each case (medians)")
    parser.add_argument("--phases", action="store_true", help="print per-phase timings")
    args = parser.parse_args()
    phases = Phases() if args.phases else None
    if phases is not None:
        phases.install()
    call_command("migrate", verbosity=0)
    component_register_file(COMPONENTS / "noop.yml", source="command")
    user = get_user_model().objects.create(username="bench")
    worker = embedded_worker_start(threads=args.threads)
    finished = Finished()
    try:
        floor = floor_seconds()
        parallel_floor = floor_seconds(200, parallel=args.threads)
        print(f"embedded mode, {args.threads} worker threads, SQLite at {HOME}")
        print(f"{'floor: python -c pass':<34} {floor * 1000:9.2f} ms per launch")
        print(
            f"{f'floor: {args.threads} launches at once':<34} {parallel_floor * 1000:9.2f} ms"
            f" per launch per slot ({os.cpu_count()} CPUs)"
        )
        chain50 = pipeline_create(name="chain-50", owner=user, document=chain(50)).versions.get()
        fan = pipeline_create(name="fanout-200", owner=user, document=fanout(200)).versions.get()
        cases = (
            ("chain-50", chain50, 50, 1, True),
            ("fanout-200", fan, 200, args.threads, True),
            ("fanout-200 reused rerun", fan, 200, 0, False),
            ("chain-50 reused rerun", chain50, 50, 0, False),
        )
        for label, version, steps, parallel, force in cases:
            settings = {"force_rerun": True} if force else {}
            CPU.clear()
            times = [timed(version, user, finished, settings) for _ in range(args.repeat)]
            seconds = statistics.median(times)
            cpu = statistics.median(CPU) / steps
            if parallel:
                report(label, seconds, steps, floor, parallel)
                if parallel > 1:
                    report("  vs parallel floor", seconds, steps, parallel_floor, parallel)
            else:
                report_reused(label, seconds, steps)
            print(f"  engine CPU in this process: {cpu * 1000:6.2f} ms/step")
            if phases is not None:
                phases.report()
    finally:
        embedded_worker_stop(worker)


if __name__ == "__main__":
    main()
