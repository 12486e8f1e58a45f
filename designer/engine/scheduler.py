"""`run_advance`: move a run forward; idempotent, one transaction, safe to call concurrently.

Every call runs under the run's row lock (see `state`) and works in waves over a frontier
of candidate steps: it skips candidates downstream of a failure, computes the plan and
cache key of every ready one (all upstreams Completed), looks up reusable results for the
whole wave in one query, completes the reused steps (their downstreams form the next wave)
and queues the rest, each group with one batched update. It then settles the run's status.
Queued steps are sent to their compute queue only after the transaction commits.

The frontier is every NotStarted step on a full advance (submit, recovery, cancel, after a
failure), and only the direct downstreams of the step that just completed on the
incremental advance that `execution` runs in the same transaction as the completion. The
DAG comes from the run's cached `RunPlan`; statuses and outputs are read with a couple of
narrow queries, so a completion costs O(its downstreams), not O(steps in the run).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.utils import timezone

from designer.engine import decide
from designer.engine.cachekey import CacheParts, explain_rerun, explain_reuse
from designer.engine.dispatch import steps_enqueue
from designer.engine.models import ACTIVE, TERMINAL, Status, StepRun
from designer.engine.persistence import steps_select
from designer.engine.plan import PlanError, RunPlan, StepPlan, artifact_store, run_plan, step_plan
from designer.engine.state import (
    Journal,
    run_journal,
    run_transition,
    step_output_events,
    steps_transition,
)

# The columns a step transition needs (payload and conditional update); never the JSON ones.
_STEP_FIELDS = (
    "id",
    "run_id",
    "node_id",
    "status",
    "attempt",
    "queue",
    "worker_id",
    "error",
    "exit_code",
    "reused",
    "reused_from_id",
    "reason",
)


def run_advance(*, run_id: int) -> None:
    """Dispatch every ready step of a run and settle its status (idempotent, full scan).

    run_id: the run to move forward.
    """
    with run_journal(run_id) as journal:
        advance_locked(journal)


def advance_locked(
    journal: Journal, *, completed: str | None = None, outputs: dict[str, Any] | None = None
) -> None:
    """Advance the journal's run inside its open transaction: load, decide, apply.

    completed: the node whose step just became Completed in this transaction; only its
    downstreams are considered (incremental). None: every NotStarted step (full).
    outputs: the completed step's recorded outputs (saves reading them back).
    """
    if journal.status in TERMINAL:
        return
    plan = run_plan(journal.run_id, journal.created_at)
    if journal.cancel_requested:
        steps = _load(journal.run_id, None)
        _cancel_pending(journal, steps)
        _settle(journal, plan, steps, full=True)
        return
    full = completed is None
    if completed is None:
        steps = _load(journal.run_id, None)
    else:
        candidates = plan.downstreams.get(completed, ())
        steps = _load(journal.run_id, _with_upstreams(plan, candidates))
    advance = _Advance(journal, plan, steps)
    if completed is not None and outputs is not None:
        advance.outputs[completed] = outputs
    failed = decide.first_failed(plan, advance.statuses) if full and not plan.keep_going else None
    if failed is not None:
        advance.skip_rest(failed)
    else:
        advance.waves(
            [n for n in plan.order if steps[n].status == Status.NOT_STARTED]
            if completed is None
            else list(plan.downstreams.get(completed, ()))
        )
    _settle(journal, plan, steps, full=full, queued=bool(advance.queued))


def _with_upstreams(plan: RunPlan, nodes: Iterable[str]) -> set[str]:
    wanted = set(nodes)
    for node in list(wanted):
        wanted.update(plan.upstreams.get(node, ()))
    return wanted


def _load(run_id: int, nodes: set[str] | None) -> dict[str, StepRun]:
    """The run's steps (all, or those of `nodes`) by node id, without their JSON columns."""
    where, params = '"run_id" = %s', list[Any]([run_id])
    if nodes is not None:
        if not nodes:
            return {}
        where += f' AND "node_id" IN ({", ".join(["%s"] * len(nodes))})'
        params += sorted(nodes)
    return {step.node_id: step for step in steps_select(_STEP_FIELDS, where, params)}


class _Statuses(Mapping[str, str]):
    """A live node -> status view of the loaded steps (what `decide` reads)."""

    def __init__(self, steps: dict[str, StepRun]) -> None:
        self.steps = steps

    def __getitem__(self, node: str) -> str:
        return self.steps[node].status

    def __iter__(self) -> Iterator[str]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)


@dataclass
class _Ready:
    step: StepRun
    plan: StepPlan
    deterministic: bool


class _Advance:
    """Applies one advance's decisions: batched transitions, after-commit dispatch."""

    def __init__(self, journal: Journal, plan: RunPlan, steps: dict[str, StepRun]) -> None:
        self.journal = journal
        self.plan = plan
        self.steps = steps
        self.statuses = _Statuses(steps)
        self.outputs: dict[str, dict[str, Any]] = {}
        self.queued: list[tuple[int, str]] = []
        self.stop_after: str | None = None
        self.now = timezone.now()

    def skip_rest(self, failed: str) -> None:
        """Without continue_on_step_failure, once a step failed nothing else starts."""
        self._skip(decide.skip_rest(self.plan, self.statuses, failed))

    def _skip(self, skips: Iterable[tuple[str, str]]) -> None:
        changes = [
            (self.steps[node], {"reason": reason, "ended_at": self.now}) for node, reason in skips
        ]
        steps_transition(self.journal, changes, from_=Status.NOT_STARTED, to=Status.SKIPPED)

    def waves(self, frontier: list[str]) -> None:
        while frontier:
            frontier = self._wave(frontier)
            if self.stop_after is not None and not self.plan.keep_going:
                self._load_missing(set(self.plan.order))
                self.skip_rest(self.stop_after)
                return

    def _load_missing(self, nodes: set[str]) -> None:
        missing = nodes - set(self.steps)
        if missing:
            self.steps.update(_load(self.journal.run_id, missing))

    def _wave(self, frontier: list[str]) -> list[str]:
        """Skip or start the NotStarted steps of `frontier`; returns the next frontier."""
        self._load_missing(_with_upstreams(self.plan, frontier))
        wave = decide.next_wave(self.plan, self.statuses, frontier)
        self._skip(wave.skip)
        ended = [node for node, _ in wave.skip] + self._start(list(wave.ready))
        return decide.downstream_of(self.plan, ended)

    def _start(self, nodes: list[str]) -> list[str]:
        """Plan the ready steps; reuse cached results in bulk, queue the rest.

        Returns the nodes that ended here (reused or failed to prepare).
        """
        if not nodes:
            return []
        self._load_outputs({u for node in nodes for u in self.plan.upstreams.get(node, ())})
        failures: list[tuple[StepRun, dict[str, Any]]] = []
        ready: list[_Ready] = []
        for node in nodes:
            step = self.steps[node]
            try:
                plan = step_plan(self.plan, node, self.outputs)
            except PlanError as exc:
                fields = {"error": str(exc), "reason": "could not be prepared"}
                failures.append((step, {**fields, "ended_at": self.now}))
                continue
            ready.append(_Ready(step, plan, self.plan.deterministic(node)))
        steps_transition(self.journal, failures, from_=Status.NOT_STARTED, to=Status.FAILED)
        if failures and self.stop_after is None:
            self.stop_after = failures[0][0].node_id
        reusable = [item for item in ready if item.deterministic and not self.plan.force_rerun]
        sources = _reusable({item.plan.key for item in reusable})
        reused = [item for item in reusable if item.plan.key in sources]
        self._reuse(reused, sources)
        reused_nodes = {item.step.node_id for item in reused}
        self._queue([item for item in ready if item.step.node_id not in reused_nodes])
        return [step.node_id for step, _ in failures] + sorted(
            reused_nodes, key=self.plan.rank.__getitem__
        )

    def _load_outputs(self, nodes: set[str]) -> None:
        missing = sorted(nodes - set(self.outputs))
        if missing:
            where = f'"run_id" = %s AND "node_id" IN ({", ".join(["%s"] * len(missing))})'
            rows = steps_select(("node_id", "outputs"), where, [self.journal.run_id, *missing])
            self.outputs.update((step.node_id, step.outputs) for step in rows)

    def _reuse(self, items: list[_Ready], sources: dict[str, _Source]) -> None:
        changes = []
        for item in items:
            source = sources[item.plan.key]
            fields = {
                "reused": True,
                "reused_from_id": source.step_id,
                "outputs": source.outputs,
                "reason": explain_reuse(
                    source.run_id if source.user_id == self.plan.user_id else None
                ),
                "started_at": self.now,
                "ended_at": self.now,
                **_recorded(item.plan),
            }
            changes.append((item.step, fields))
            self.outputs[item.step.node_id] = source.outputs
        steps_transition(self.journal, changes, from_=Status.NOT_STARTED, to=Status.COMPLETED)
        for item in items:
            step_output_events(self.journal, item.step)

    def _queue(self, items: list[_Ready]) -> None:
        if not items:
            return
        previous = _previous_parts(self.plan, [item.step.node_id for item in items])
        changes = []
        for item in items:
            reason = explain_rerun(
                previous.get(item.step.node_id),
                item.plan.parts,
                forced=self.plan.force_rerun,
                deterministic=item.deterministic,
            )
            fields = {
                "reason": reason,
                "queued_at": self.now,
                "send_after": self.now,  # The outbox record: sent after commit.
                **_recorded(item.plan),
            }
            changes.append((item.step, fields))
        steps_transition(self.journal, changes, from_=Status.NOT_STARTED, to=Status.QUEUED)
        sends = [(item.step.pk, item.step.queue) for item in items]
        self.queued += sends
        transaction.on_commit(lambda: steps_enqueue(sends))


def _recorded(plan: StepPlan) -> dict[str, Any]:
    return {
        "params": plan.params,
        "inputs": plan.inputs,
        "cache_key": plan.key,
        "cache_parts": plan.parts.as_dict(),
    }


@dataclass(frozen=True)
class _Source:
    step_id: int
    run_id: int
    user_id: int
    outputs: dict[str, Any]


def _reusable(keys: set[str]) -> dict[str, _Source]:
    """For each key, the newest original producer of a result whose outputs all still exist.

    One query for all keys: Completed steps with the key that were not themselves reused
    (a reused step's outputs are its source's; one whose source was deleted counts as an
    original). Newest first, so a forced rerun's fresh outputs win.
    """
    if not keys:
        return {}
    store = artifact_store()
    # Coalesce rather than `reused_from IS NULL`: SQLite's planner (no statistics) would
    # otherwise scan the reused_from index, i.e. every original step ever run.
    rows = (
        StepRun.objects.annotate(origin=Coalesce("reused_from_id", 0))
        .filter(cache_key__in=sorted(keys), status=Status.COMPLETED, origin=0)
        .order_by("-id")
        .values_list("id", "run_id", "run__user_id", "cache_key", "outputs")
    )
    found: dict[str, _Source] = {}
    for step_id, run_id, user_id, key, outputs in rows:
        if key in found:
            continue
        if all(store.exists(out.get("path", "")) for out in outputs.values()):
            found[key] = _Source(step_id, run_id, user_id, outputs)
    return found


def _previous_parts(plan: RunPlan, nodes: list[str]) -> dict[str, CacheParts]:
    """The cache parts of the latest earlier run of each node in the same pipeline.

    Read once per run and process for every node of the run (two queries), then served
    from the run plan: the comparison is with the runs that had recorded a key when this
    run first needed a reason.
    """
    if plan.memo.previous is None:
        plan.memo.previous = _previous_parts_query(plan, list(plan.order))
    previous = plan.memo.previous
    return {node: previous[node] for node in nodes if node in previous}


def _previous_parts_query(plan: RunPlan, nodes: list[str]) -> dict[str, CacheParts]:
    earlier = StepRun.objects.filter(
        run__pipeline_id=plan.pipeline_id, run_id__lt=plan.run_id
    ).exclude(cache_key="")
    latest = dict(
        earlier.filter(node_id__in=nodes)
        .order_by()
        .values("node_id")
        .annotate(last=Max("run_id"))
        .values_list("node_id", "last")
    )
    if not latest:
        return {}
    rows = StepRun.objects.filter(run_id__in=set(latest.values()), node_id__in=list(latest))
    return {
        node: CacheParts.from_dict(parts)
        for node, run_id, parts in rows.values_list("node_id", "run_id", "cache_parts")
        if latest.get(node) == run_id and parts
    }


_ACTIVE = tuple(sorted(ACTIVE))


def _any_active(run_id: int) -> bool:
    """Whether a step of the run is still active: one indexed row at most, by raw SQL (every
    completion of a fan-out asks, and the ORM's query compilation cost more than the query)."""
    marks = ", ".join(["%s"] * len(_ACTIVE))
    where = f'"run_id" = %s AND "status" IN ({marks}) LIMIT 1'
    return bool(steps_select(("id",), where, [run_id, *_ACTIVE]))


def _load_status(run_id: int, status: str) -> list[StepRun]:
    return steps_select(("node_id",), '"run_id" = %s AND "status" = %s', [run_id, status])


def _cancel_pending(journal: Journal, steps: dict[str, StepRun]) -> None:
    now = timezone.now()
    changes = [
        (step, {"reason": "canceled before it started", "ended_at": now})
        for step in steps.values()
        if step.status in (Status.NOT_STARTED, Status.QUEUED)
    ]
    for status in (Status.NOT_STARTED, Status.QUEUED):
        steps_transition(
            journal,
            [change for change in changes if change[0].status == status],
            from_=status,
            to=Status.CANCELED,
        )


def _settle(
    journal: Journal,
    plan: RunPlan,
    steps: dict[str, StepRun],
    *,
    full: bool,
    queued: bool = False,
) -> None:
    """Mark the run Running once something happened, and finished once nothing is active.

    full: `steps` holds every step of the run; else the database is asked what is active.
    """
    now = timezone.now()
    run = journal.run()
    statuses = {step.status for step in steps.values()}
    if decide.run_starts(run.status, statuses, full=full):
        run_transition(
            journal,
            run,
            from_=[Status.NOT_STARTED, Status.QUEUED],
            to=Status.RUNNING,
            started_at=now,
        )
    if queued:
        return
    if full:
        if statuses & ACTIVE:
            return
        failed = [s.node_id for s in steps.values() if s.status == Status.FAILED]
    else:
        if _any_active(journal.run_id):
            return
        failed = [s.node_id for s in _load_status(journal.run_id, Status.FAILED)]
    final, error = decide.run_outcome(failed=failed, cancel_requested=run.cancel_requested)
    run_transition(journal, run, from_=list(ACTIVE), to=final, ended_at=now, error=error)
