"""The one place where run and step states change, each change journaled as a RunEvent.

Every write happens inside `run_journal(run_id)`: it opens a transaction, locks the run row
first (PostgreSQL; SQLite's IMMEDIATE transactions serialise writers anyway), so every
writer takes locks in the same order (run, then steps) and no two can deadlock. Events get
the next per-run `seq` and are published after commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction

from designer.engine import events
from designer.engine.models import Run, RunEvent, Status, StepRun


class Journal:
    """The events of one run appended in the current transaction."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.seq = Run.objects.select_for_update().values_list("last_seq", flat=True).get(pk=run_id)
        self.pending: list[RunEvent] = []

    def append(self, type_: str, payload: dict[str, Any]) -> None:
        self.seq += 1
        self.pending.append(RunEvent(run_id=self.run_id, seq=self.seq, type=type_, payload=payload))

    def flush(self) -> None:
        if not self.pending:
            return
        created = RunEvent.objects.bulk_create(self.pending)
        Run.objects.filter(pk=self.run_id).update(last_seq=self.seq)
        dicts = [event.as_dict() for event in created]
        self.pending = []
        transaction.on_commit(lambda: events.publish(dicts))


@contextmanager
def run_journal(run_id: int) -> Iterator[Journal]:
    """A transaction holding the run's lock, whose events are written at the end."""
    with transaction.atomic():
        journal = Journal(run_id)
        yield journal
        journal.flush()


def step_payload(step: StepRun) -> dict[str, Any]:
    return {
        "node": step.node_id,
        "step": step.pk,
        "status": step.status,
        "attempt": step.attempt,
        "reused": step.reused,
        "reused_from": step.reused_from_id,
        "reason": step.reason,
        "error": step.error,
        "exit_code": step.exit_code,
        "worker": step.worker_id,
    }


def step_transition(
    journal: Journal,
    step: StepRun,
    *,
    to: str,
    allowed_from: Iterable[str],
    match: dict[str, Any] | None = None,
    **fields: Any,
) -> bool:
    """Move a step to `to` if it is in one of `allowed_from`; False when it was not.

    journal: the open journal of the step's run.
    step: the step (updated in memory on success).
    match: further column values the row must still have (e.g. the attempt).
    fields: other columns to write in the same conditional UPDATE.
    """
    rows = StepRun.objects.filter(pk=step.pk, status__in=list(allowed_from), **(match or {}))
    count = rows.update(status=to, **fields)
    if count != 1:
        return False
    step.status = to
    for name, value in fields.items():
        setattr(step, name, value)
    journal.append(events.STEP_STATUS, step_payload(step))
    return True


def run_transition(
    journal: Journal, run: Run, *, to: str, allowed_from: Iterable[str], **fields: Any
) -> bool:
    """Move a run to `to` if it is in one of `allowed_from`; False when it was not."""
    count = Run.objects.filter(pk=run.pk, status__in=list(allowed_from)).update(status=to, **fields)
    if count != 1:
        return False
    run.status = to
    for name, value in fields.items():
        setattr(run, name, value)
    journal.append(events.RUN_STATUS, {"status": to, "error": run.error})
    return True


def step_output_events(journal: Journal, step: StepRun) -> None:
    """One step.output event per recorded output of `step`."""
    for port, output in sorted(step.outputs.items()):
        journal.append(
            events.STEP_OUTPUT, {"node": step.node_id, "step": step.pk, "port": port, **output}
        )


__all__ = ["Journal", "Status", "run_journal", "run_transition", "step_transition"]
