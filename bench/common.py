"""Shared pieces of the engine benchmarks: the subprocess floor and the pipeline shapes."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

COMPONENTS = Path(__file__).parent / "components"
NOOP = "bench_noop@1"


def _launch() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - started


def floor_seconds(launches: int = 30, parallel: int = 1) -> float:
    """The raw subprocess floor: wall time of `python -c pass` launches.

    parallel 1: the median of one launch at a time. parallel N: `launches` launches by N
    threads, as wall time x N / launches (per launch per slot, comparable to a fan-out's
    ms/step per worker slot: on fewer CPUs than slots the launches share them).
    """
    if parallel <= 1:
        return statistics.median(_launch() for _ in range(launches))
    started = time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(lambda _: _launch(), range(launches)))
    return (time.perf_counter() - started) * parallel / launches


def _doc(nodes: list[dict[str, Any]], edges: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "name": "bench",
        "inputs": {},
        "outputs": {},
        "settings": {"default_compute": "cpu"},
        "nodes": nodes,
        "edges": edges,
    }


def _node(index: int) -> dict[str, Any]:
    return {"id": f"n{index}", "component": NOOP, "inputs": {"index": {"value": index}}}


def chain(length: int) -> dict[str, Any]:
    edges = [
        {"source": f"n{i}", "source_port": "out", "target": f"n{i + 1}", "target_port": "data"}
        for i in range(length - 1)
    ]
    return _doc([_node(i) for i in range(length)], edges)


def fanout(width: int) -> dict[str, Any]:
    return _doc([_node(i) for i in range(width)], [])


def report(label: str, seconds: float, steps: int, floor: float, parallel: int) -> None:
    """Print a line: total, wall time per step per worker slot, overhead above the floor."""
    per_slot = seconds * min(parallel, steps) / steps
    print(
        f"{label:<34} {seconds * 1000:9.1f} ms total  {per_slot * 1000:7.2f} ms/step"
        f"  overhead {max(per_slot - floor, 0) * 1000 if parallel else 0:7.2f} ms/step"
    )


def report_reused(label: str, seconds: float, steps: int) -> None:
    print(f"{label:<34} {seconds * 1000:9.1f} ms total  {seconds * 1000 / steps:7.2f} ms/step")


class Phases:
    """Per-phase wall times of the engine, measured by wrapping its module functions.

    Wrapping costs about a microsecond per call; the figures are per call, all threads.
    `pickup` is the time from a step's enqueue to its worker entering `step_execute`.
    """

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}
        self.sent: dict[int, float] = {}

    def _add(self, label: str, seconds: float) -> None:
        self.times.setdefault(label, []).append(seconds)

    def wrap(self, module: Any, name: str, label: str | None = None) -> None:
        func = getattr(module, name, None)
        if func is None:
            return
        key = label or name

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self._add(key, time.perf_counter() - started)

        setattr(module, name, timed)

    def install(self) -> None:
        from designer.engine import execution, recovery, scheduler, submit, tasks

        scheduler.steps_enqueue = self._sent(scheduler.steps_enqueue)
        recovery.steps_enqueue = self._sent(recovery.steps_enqueue)
        orig_execute = tasks.step_execute

        def execute(*, step_run_id: int) -> None:
            sent = self.sent.pop(step_run_id, None)
            if sent is not None:
                self._add("pickup (enqueue -> worker)", time.perf_counter() - sent)
            orig_execute(step_run_id=step_run_id)

        tasks.step_execute = execute
        for module, names in (
            (submit, ["_create"]),
            (execution, ["_claim", "_execute", "_finish", "step_run", "_outcome"]),
            (recovery, ["run_advance"]),
        ):
            for name in names:
                self.wrap(module, name, f"{name} ({module.__name__.rsplit('.', 1)[-1]})")

    def _sent(self, original: Any) -> Any:
        def enqueue(*args: Any, **kwargs: Any) -> Any:
            sends = args[0] if args else [(kwargs.get("step_run_id"), None)]
            now = time.perf_counter()
            for step_id, _ in sends:
                self.sent[step_id] = now
            return original(*args, **kwargs)

        return enqueue

    def report(self) -> None:
        for label, values in sorted(self.times.items()):
            print(
                f"  {label:<32} n={len(values):5d}  median {statistics.median(values) * 1000:7.2f}"
                f" ms  mean {statistics.fmean(values) * 1000:7.2f} ms"
                f"  total {sum(values) * 1000:8.1f} ms"
            )
        self.times.clear()
