"""`run_advance`: move a run forward; idempotent, one transaction, safe to call concurrently.

Each call reads the run's steps under the run's row lock (see `state`), then in DAG order:
skips steps downstream of a failure, reuses a cached result or queues a step whose
upstreams all completed, and finally settles the run's own status. Queued steps are sent
to their compute queue only after the transaction commits.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from designer.engine.cachekey import CacheParts, explain_rerun, explain_reuse
from designer.engine.dispatch import step_enqueue
from designer.engine.models import ACTIVE, TERMINAL, Run, Status, StepRun
from designer.engine.plan import (
    PlanError,
    StepPlan,
    artifact_store,
    component_spec,
    run_graph,
    step_plan,
)
from designer.engine.state import (
    Journal,
    run_journal,
    run_transition,
    step_output_events,
    step_transition,
)

_BROKEN = (Status.FAILED, Status.SKIPPED, Status.CANCELED)


def run_advance(*, run_id: int) -> None:
    """Dispatch every ready step of a run and settle its status (idempotent).

    run_id: the run to move forward.
    """
    with run_journal(run_id) as journal:
        run = Run.objects.get(pk=run_id)
        if run.status in TERMINAL:
            return
        steps = {step.node_id: step for step in StepRun.objects.filter(run_id=run_id)}
        if run.cancel_requested:
            _cancel_pending(journal, steps)
        else:
            _dispatch_ready(journal, run, steps)
        _settle(journal, run, steps)


def _dispatch_ready(journal: Journal, run: Run, steps: dict[str, StepRun]) -> None:
    graph = run_graph(run)
    stop_after = next((s.node_id for s in steps.values() if s.status == Status.FAILED), None)
    keep_going = bool(run.settings.get("continue_on_step_failure"))
    for node_id in graph.order:
        step = steps[node_id]
        if step.status != Status.NOT_STARTED:
            continue
        upstreams = [steps[u] for u in graph.upstreams.get(node_id, ())]
        broken = next((u for u in upstreams if u.status in _BROKEN), None)
        if broken is not None:
            reason = f"skipped: upstream '{broken.node_id}' {broken.status.lower()}"
            _skip(journal, step, reason)
        elif stop_after is not None and not keep_going:
            reason = f"skipped: step '{stop_after}' failed and continue_on_step_failure is off"
            _skip(journal, step, reason)
        elif all(u.status == Status.COMPLETED for u in upstreams):
            _start(journal, run, step, steps)


def _skip(journal: Journal, step: StepRun, reason: str) -> None:
    now = timezone.now()
    step_transition(
        journal,
        step,
        to=Status.SKIPPED,
        allowed_from=[Status.NOT_STARTED],
        reason=reason,
        ended_at=now,
    )


def _start(journal: Journal, run: Run, step: StepRun, steps: dict[str, StepRun]) -> None:
    """Reuse a cached result for a ready step, or queue it."""
    now = timezone.now()
    try:
        plan = step_plan(run=run, step=step, steps=steps)
    except PlanError as exc:
        step_transition(
            journal,
            step,
            to=Status.FAILED,
            allowed_from=[Status.NOT_STARTED],
            error=str(exc),
            reason="could not be prepared",
            ended_at=now,
        )
        return
    forced = bool(run.settings.get("force_rerun"))
    deterministic = component_spec(run.components[step.node_id]).is_deterministic
    recorded = _recorded(plan)
    source = None if forced or not deterministic else _reusable(plan.key)
    if source is not None:
        origin_id, origin_run = source
        donor = StepRun.objects.only("outputs").get(pk=origin_id)
        step_transition(
            journal,
            step,
            to=Status.COMPLETED,
            allowed_from=[Status.NOT_STARTED],
            reused=True,
            reused_from_id=origin_id,
            outputs=donor.outputs,
            reason=explain_reuse(origin_run),
            started_at=now,
            ended_at=now,
            **recorded,
        )
        step_output_events(journal, step)
        return
    reason = explain_rerun(
        _previous_parts(run, step.node_id), plan.parts, forced=forced, deterministic=deterministic
    )
    if step_transition(
        journal,
        step,
        to=Status.QUEUED,
        allowed_from=[Status.NOT_STARTED],
        reason=reason,
        queued_at=now,
        **recorded,
    ):
        step_id, queue = step.pk, step.queue
        transaction.on_commit(lambda: step_enqueue(step_run_id=step_id, queue=queue))


def _recorded(plan: StepPlan) -> dict[str, Any]:
    return {
        "params": plan.params,
        "inputs": plan.inputs,
        "cache_key": plan.key,
        "cache_parts": plan.parts.as_dict(),
    }


def _reusable(key: str) -> tuple[int, int] | None:
    """(step id, run id) of the original producer of a result for `key` that still exists."""
    store = artifact_store()
    candidates = StepRun.objects.filter(cache_key=key, status=Status.COMPLETED).order_by("-id")
    for candidate in candidates.only("id", "run_id", "outputs", "reused_from_id")[:5]:
        if not all(store.exists(out.get("path", "")) for out in candidate.outputs.values()):
            continue
        if candidate.reused_from_id is None:
            return candidate.pk, candidate.run_id
        origin = StepRun.objects.filter(pk=candidate.reused_from_id).values_list("run_id").first()
        if origin is not None:
            return candidate.reused_from_id, origin[0]
        return candidate.pk, candidate.run_id
    return None


def _previous_parts(run: Run, node_id: str) -> CacheParts | None:
    """The cache parts of the latest earlier run of the same node in the same pipeline."""
    row = (
        StepRun.objects.filter(run__pipeline_id=run.pipeline_id, node_id=node_id, run_id__lt=run.pk)
        .exclude(cache_key="")
        .order_by("-run_id")
        .values_list("cache_parts", flat=True)
        .first()
    )
    return CacheParts.from_dict(row) if row else None


def _cancel_pending(journal: Journal, steps: dict[str, StepRun]) -> None:
    now = timezone.now()
    for step in steps.values():
        if step.status in (Status.NOT_STARTED, Status.QUEUED):
            step_transition(
                journal,
                step,
                to=Status.CANCELED,
                allowed_from=[Status.NOT_STARTED, Status.QUEUED],
                reason="canceled before it started",
                ended_at=now,
            )


def _settle(journal: Journal, run: Run, steps: dict[str, StepRun]) -> None:
    """Mark the run Running once something happened, and finished once nothing is active."""
    now = timezone.now()
    statuses = {step.status for step in steps.values()}
    if run.status in (Status.NOT_STARTED, Status.QUEUED) and statuses != {Status.NOT_STARTED}:
        run_transition(
            journal,
            run,
            to=Status.RUNNING,
            allowed_from=[Status.NOT_STARTED, Status.QUEUED],
            started_at=now,
        )
    if statuses & ACTIVE:
        return
    if run.cancel_requested:
        final, error = Status.CANCELED, "canceled by request"
    elif Status.FAILED in statuses:
        failed = sorted(s.node_id for s in steps.values() if s.status == Status.FAILED)
        final, error = Status.FAILED, f"failed steps: {', '.join(failed)}"
    else:
        final, error = Status.COMPLETED, ""
    run_transition(journal, run, to=final, allowed_from=list(ACTIVE), ended_at=now, error=error)
