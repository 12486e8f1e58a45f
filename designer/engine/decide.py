"""The engine's scheduling rules as pure functions: which steps a wave skips or starts, and
how a run ends. No Django here: the scheduler loads statuses, asks, and applies the answer.

`STEP_MOVES` and `RUN_MOVES` are the one table of legal status changes; every status write
in `state` is checked against them and emits the event they name.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from designer.engine.events import RUN_STATUS, STEP_STATUS

# The values of `models.Status` (a test keeps the two equal).
NOT_STARTED = "NotStarted"
QUEUED = "Queued"
RUNNING = "Running"
COMPLETED = "Completed"
FAILED = "Failed"
CANCELED = "Canceled"
SKIPPED = "Skipped"
ACTIVE = frozenset({NOT_STARTED, QUEUED, RUNNING})
TERMINAL = frozenset({COMPLETED, FAILED, CANCELED, SKIPPED})
# An upstream in one of these never produces outputs: its downstreams are skipped.
BROKEN = (FAILED, SKIPPED, CANCELED)

# from-status -> {to-status: the event the change emits}. Why each move exists:
STEP_MOVES: Mapping[str, Mapping[str, str]] = {
    NOT_STARTED: {
        QUEUED: STEP_STATUS,  # ready, no reusable result: sent to its compute queue
        COMPLETED: STEP_STATUS,  # ready and a cached result is reused
        FAILED: STEP_STATUS,  # ready but could not be prepared (bad value, missing output)
        SKIPPED: STEP_STATUS,  # downstream of a failure, or the run stops after one
        CANCELED: STEP_STATUS,  # the run was canceled before it started
    },
    QUEUED: {
        RUNNING: STEP_STATUS,  # claimed by a worker
        CANCELED: STEP_STATUS,  # the run was canceled while it waited
    },
    RUNNING: {
        COMPLETED: STEP_STATUS,
        FAILED: STEP_STATUS,  # its command failed, or its worker was lost too often
        CANCELED: STEP_STATUS,
        QUEUED: STEP_STATUS,  # its worker was lost: retried as the next attempt
    },
}
RUN_MOVES: Mapping[str, Mapping[str, str]] = {
    NOT_STARTED: {
        QUEUED: RUN_STATUS,
        RUNNING: RUN_STATUS,
        COMPLETED: RUN_STATUS,
        FAILED: RUN_STATUS,
        CANCELED: RUN_STATUS,
    },
    QUEUED: {RUNNING: RUN_STATUS, COMPLETED: RUN_STATUS, FAILED: RUN_STATUS, CANCELED: RUN_STATUS},
    RUNNING: {COMPLETED: RUN_STATUS, FAILED: RUN_STATUS, CANCELED: RUN_STATUS},
}


class IllegalMove(ValueError):
    """A status change the transition table does not allow (a programming error)."""


def move_event(table: Mapping[str, Mapping[str, str]], sources: Iterable[str], to: str) -> str:
    """The event a move from any of `sources` to `to` emits; IllegalMove if one is not legal.

    table: STEP_MOVES or RUN_MOVES. sources: the statuses the row may be in. to: the target.
    """
    sources = list(sources)
    illegal = sorted(s for s in sources if to not in table.get(s, {}))
    if not sources or illegal:
        raise IllegalMove(f"no move from {illegal or 'nothing'} to {to}")
    found = {table[source][to] for source in sources}
    if len(found) != 1:
        raise IllegalMove(f"moves to {to} from {sorted(sources)} emit different events")
    return found.pop()


class Graph(Protocol):
    """The part of a run plan the rules read (`plan.RunPlan` is one)."""

    @property
    def order(self) -> tuple[str, ...]: ...
    @property
    def rank(self) -> Mapping[str, int]: ...
    @property
    def upstreams(self) -> Mapping[str, tuple[str, ...]]: ...
    @property
    def downstreams(self) -> Mapping[str, tuple[str, ...]]: ...
    @property
    def keep_going(self) -> bool: ...


@dataclass(frozen=True)
class Dag:
    """A Graph built from node ids and edges (tests and tools; runs use `RunPlan`)."""

    order: tuple[str, ...]
    rank: Mapping[str, int]
    upstreams: Mapping[str, tuple[str, ...]]
    downstreams: Mapping[str, tuple[str, ...]]
    keep_going: bool = False

    @classmethod
    def of(cls, nodes: Iterable[str], edges: Iterable[tuple[str, str]], **kw: bool) -> Dag:
        """nodes: ids; edges: (source, target) pairs; kw: keep_going."""
        ups: dict[str, set[str]] = {node: set() for node in nodes}
        downs: dict[str, set[str]] = {node: set() for node in ups}
        for source, target in edges:
            ups[target].add(source)
            downs[source].add(target)
        order = tuple(graphlib.TopologicalSorter(ups).static_order())
        return cls(
            order=order,
            rank={node: index for index, node in enumerate(order)},
            upstreams={n: tuple(sorted(u)) for n, u in ups.items()},
            downstreams={n: tuple(sorted(d)) for n, d in downs.items()},
            keep_going=kw.get("keep_going", False),
        )


@dataclass(frozen=True)
class Wave:
    """What one wave does: skip these steps (with their reasons), start these (in order)."""

    skip: tuple[tuple[str, str], ...]
    ready: tuple[str, ...]


def skip_reason(graph: Graph, statuses: Mapping[str, str], node: str) -> str | None:
    """Why `node` cannot run (its first upstream that failed, was skipped or canceled)."""
    for upstream in graph.upstreams.get(node, ()):
        status = statuses[upstream]
        if status in BROKEN:
            return f"skipped: upstream '{upstream}' {status.lower()}"
    return None


def next_wave(graph: Graph, statuses: Mapping[str, str], frontier: Iterable[str]) -> Wave:
    """Of the NotStarted steps in `frontier`, those to skip and those ready to start.

    graph: the run's DAG. statuses: node -> status for the frontier and its upstreams.
    frontier: candidate nodes (duplicates allowed). Ready = every upstream Completed.
    """
    skip: list[tuple[str, str]] = []
    ready: list[str] = []
    for node in sorted(set(frontier), key=graph.rank.__getitem__):
        if statuses[node] != NOT_STARTED:
            continue
        reason = skip_reason(graph, statuses, node)
        if reason is not None:
            skip.append((node, reason))
        elif all(statuses[u] == COMPLETED for u in graph.upstreams.get(node, ())):
            ready.append(node)
    return Wave(tuple(skip), tuple(ready))


def downstream_of(graph: Graph, ended: Iterable[str]) -> list[str]:
    """The next frontier: the direct downstreams of the steps that just ended."""
    return [d for node in ended for d in graph.downstreams.get(node, ())]


def first_failed(graph: Graph, statuses: Mapping[str, str]) -> str | None:
    """The first Failed step in topological order, if any."""
    return next((n for n in graph.order if statuses[n] == FAILED), None)


def skip_rest(graph: Graph, statuses: Mapping[str, str], failed: str) -> list[tuple[str, str]]:
    """Without continue_on_step_failure, once `failed` failed nothing else starts.

    Returns (node, reason) for every NotStarted step; a step downstream of another skipped
    one names that upstream, the others name the failed step.
    """
    seen = dict(statuses)
    skips = []
    for node in graph.order:
        if seen[node] != NOT_STARTED:
            continue
        reason = skip_reason(graph, seen, node) or (
            f"skipped: step '{failed}' failed and continue_on_step_failure is off"
        )
        seen[node] = SKIPPED
        skips.append((node, reason))
    return skips


def run_starts(run_status: str, statuses: Iterable[str], *, full: bool) -> bool:
    """Whether the run becomes Running: it waits and something happened to its steps.

    full: `statuses` are all of the run's steps (else a step just moved, so something did).
    """
    if run_status not in (NOT_STARTED, QUEUED):
        return False
    return not full or set(statuses) != {NOT_STARTED}


def run_outcome(*, failed: Sequence[str], cancel_requested: bool) -> tuple[str, str]:
    """The final (status, error) of a run none of whose steps is active any more.

    failed: the run's Failed nodes. cancel_requested: a cancel was asked for.
    """
    if cancel_requested:
        return CANCELED, "canceled by request"
    if failed:
        return FAILED, f"failed steps: {', '.join(sorted(failed))}"
    return COMPLETED, ""
