"""Shared pieces of the engine benchmarks: the subprocess floor and the pipeline shapes."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

COMPONENTS = Path(__file__).parent / "components"
NOOP = "bench_noop@1"


def floor_seconds(launches: int = 30) -> float:
    """Median wall time of `python -c pass` launched as a subprocess."""
    times = []
    for _ in range(launches):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


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
