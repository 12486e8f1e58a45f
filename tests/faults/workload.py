"""The fault suite's workload: a few concurrent runs of an 8-step pipeline, and checks.

Each run: s -> a1, a2, a3 -> b1(a1, a2), b2(a3) -> c(b1, b2) -> d(c); every step sleeps,
then writes its text followed by its upstreams' texts, so each output can be checked.
The database is read with psycopg from the test process (the cluster has its own).
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from tests.engine.cluster import Cluster

# node -> (left, right) upstreams
SHAPE: dict[str, tuple[str | None, str | None]] = {
    "s": (None, None),
    "a1": ("s", None),
    "a2": ("s", None),
    "a3": ("s", None),
    "b1": ("a1", "a2"),
    "b2": ("a3", None),
    "c": ("b1", "b2"),
    "d": ("c", None),
}


Shape = dict[str, tuple[str | None, str | None]]


def document(seconds: float, shape: Shape = SHAPE) -> dict[str, Any]:
    nodes, edges = [], []
    for node_id, ups in shape.items():
        inputs = {"text": {"value": node_id}, "seconds": {"value": seconds}}
        nodes.append({"id": node_id, "component": "f_work@1", "inputs": inputs})
        for port, upstream in zip(("left", "right"), ups, strict=True):
            if upstream is not None:
                edge = {"source": upstream, "source_port": "out"}
                edges.append({**edge, "target": node_id, "target_port": port})
    return {
        "schema_version": 1,
        "name": "faults",
        "inputs": {},
        "outputs": {},
        "settings": {"default_compute": "cpu", "continue_on_step_failure": False},
        "nodes": nodes,
        "edges": edges,
    }


def expected_text(node_id: str, shape: Shape = SHAPE) -> str:
    left, right = shape[node_id]
    text = node_id + "\n"
    for upstream in (left, right):
        if upstream is not None:
            text += expected_text(upstream, shape)
    return text


def submit(cluster: Cluster, runs: int, seconds: float, shape: Shape = SHAPE) -> list[int]:
    doc = json.dumps(document(seconds, shape))
    return list(cluster.driver("submit", "faults", doc, str(runs))["runs"])


def query(database: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of `sql`, waiting out a database outage (the fault may be one)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with psycopg.connect(database, connect_timeout=2) as conn:
                return list(conn.execute(sql, params).fetchall())
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def wait_running(database: str, runs: list[int], at_least: int = 1, timeout: float = 60) -> None:
    sql = "SELECT count(*) FROM engine_steprun WHERE run_id = ANY(%s) AND status = 'Running'"
    deadline = time.monotonic() + timeout
    while query(database, sql, (runs,))[0][0] < at_least:
        if time.monotonic() > deadline:
            raise AssertionError(f"fewer than {at_least} steps running after {timeout} s")
        time.sleep(0.05)


def wait_done(database: str, runs: list[int], ceiling: float) -> float:
    """Wait until every run ended; the seconds it took (AssertionError past `ceiling`)."""
    started = time.monotonic()
    sql = "SELECT count(*) FROM engine_run WHERE id = ANY(%s) AND ended_at IS NOT NULL"
    while query(database, sql, (runs,))[0][0] < len(runs):
        if time.monotonic() - started > ceiling:
            raise AssertionError(f"runs {runs} not finished within the {ceiling:g} s ceiling")
        time.sleep(0.2)
    return time.monotonic() - started


@dataclass
class Outcome:
    statuses: dict[int, str]
    errors: dict[int, str]
    steps: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    claims: dict[tuple[int, str, int], int] = field(default_factory=dict)
    stall: float = 0.0

    def assert_correct(
        self, artifacts: Path, *, retried: frozenset[Any] = frozenset(), shape: Shape = SHAPE
    ) -> None:
        """Every run completed with correct outputs; each attempt was claimed once; only
        the `retried` steps (run, node) ran more than one attempt."""
        failed = {k: v["error"] for k, v in self.steps.items() if v["status"] != "Completed"}
        assert set(self.statuses.values()) == {"Completed"}, (self.statuses, failed)
        for (run, node), step in self.steps.items():
            assert step["status"] == "Completed", (run, node, step)
            text = (artifacts / step["outputs"]["out"]["path"] / "text.txt").read_text()
            assert text == expected_text(node, shape), (run, node, text)
            if (run, node) not in retried:
                assert step["attempt"] == 1, f"step {node} of run {run} ran again: {step}"
        duplicated = {key: n for key, n in self.claims.items() if n != 1}
        assert not duplicated, f"attempts claimed more than once: {duplicated}"


def outcome(database: str, runs: list[int], since: float) -> Outcome:
    """What the runs ended as; `stall` is the longest time without a step completing,
    counted from `since` (a time.time() stamp, e.g. the fault's start)."""
    rows = query(database, "SELECT id, status, error FROM engine_run WHERE id = ANY(%s)", (runs,))
    found = Outcome({r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows})
    rows = query(
        database,
        "SELECT run_id, node_id, status, attempt, outputs, error, extract(epoch from ended_at)"
        " FROM engine_steprun WHERE run_id = ANY(%s)",
        (runs,),
    )
    ends = []
    for run, node, status, attempt, outputs, error, ended in rows:
        found.steps[(run, node)] = {
            "status": status,
            "attempt": attempt,
            "outputs": outputs,
            "error": error,
            "ended": float(ended) if ended is not None else None,
        }
        if ended is not None and float(ended) >= since:
            ends.append(float(ended))
    rows = query(
        database,
        "SELECT run_id, payload->>'node', (payload->>'attempt')::int, count(*)"
        " FROM engine_runevent WHERE run_id = ANY(%s) AND type = 'step.status'"
        " AND payload->>'status' = 'Running' GROUP BY 1, 2, 3",
        (runs,),
    )
    found.claims = {(r[0], r[1], r[2]): r[3] for r in rows}
    moments = [since, *sorted(ends)]
    found.stall = max((b - a for a, b in itertools.pairwise(moments)), default=0.0)
    return found
