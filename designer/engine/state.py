"""The one place where run and step states change, each change journaled as a RunEvent.

Every write happens inside `run_journal(run_id)`: it opens a transaction, locks the run row
first (PostgreSQL; SQLite's IMMEDIATE transactions serialise writers anyway), so every
writer takes locks in the same order (run, then steps) and no two can deadlock. Events get
the next per-run `seq` (allocated in memory under the lock, written with one bulk insert and
one update of `Run.last_seq` when the transaction ends) and are published after commit.

Every status change is one of `decide.STEP_MOVES` / `RUN_MOVES` (anything else raises
`IllegalMove`) and emits the event the table names. Step status changes are conditional
updates (`WHERE status IN from_`); a batch of steps moves with one statement whose matched
row count must be the batch size (every status writer holds the run lock, so the statuses
read under it cannot change meanwhile). The SQL itself (lock, select, update, insert) lives
in `persistence.py`; this module decides what to write and which events it emits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from designer.engine import decide, events
from designer.engine.models import Run, RunEvent, Status, StepRun
from designer.engine.persistence import events_insert, run_lock, run_seq_update, steps_update


class StepConflict(RuntimeError):
    """A batch transition matched fewer rows than expected (rolls the transaction back)."""


class Journal:
    """The events of one run appended in the current transaction.

    Locking the run also reads its mutable head: `status`, `cancel_requested` and
    `created_at` (the key of the in-process run plan cache).
    """

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        head = run_lock(run_id)
        self.seq: int = head.last_seq
        self.status: str = head.status
        self.cancel_requested: bool = head.cancel_requested
        self.created_at: datetime | None = head.created_at
        self.error: str = head.error
        self.pending: list[RunEvent] = []

    def run(self) -> Run:
        """An in-memory Run carrying the locked head (for `run_transition`)."""
        run = Run(
            pk=self.run_id,
            status=self.status,
            cancel_requested=self.cancel_requested,
            error=self.error,
        )
        run.created_at = self.created_at  # type: ignore[assignment]
        return run

    def append(self, type_: str, payload: dict[str, Any]) -> None:
        self.seq += 1
        self.pending.append(RunEvent(run_id=self.run_id, seq=self.seq, type=type_, payload=payload))

    def flush(self) -> None:
        if not self.pending:
            return
        now = timezone.now()
        for event in self.pending:
            event.created_at = now
        events_insert(self.pending)
        run_seq_update(self.run_id, self.seq)
        dicts = [event.as_dict() for event in self.pending]
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
    from_: str | Iterable[str],
    to: str,
    match: dict[str, Any] | None = None,
    **fields: Any,
) -> bool:
    """Move a step to `to` if it is in `from_` (one status or several); False when it was not.

    journal: the open journal of the step's run.
    step: the step (updated in memory on success).
    from_, to: a legal move of `decide.STEP_MOVES` (else IllegalMove).
    match: further column values the row must still have (e.g. the attempt).
    fields: other columns to write in the same conditional UPDATE.
    """
    sources = _sources(from_)
    event = decide.move_event(decide.STEP_MOVES, sources, to)
    count = steps_update([(step.pk, {"status": to, **fields})], allowed_from=sources, match=match)
    if count != 1:
        return False
    step.status = to
    for name, value in fields.items():
        setattr(step, name, value)
    journal.append(event, step_payload(step))
    return True


def _sources(from_: str | Iterable[str]) -> list[str]:
    return [from_] if isinstance(from_, str) else list(from_)


def steps_transition(
    journal: Journal,
    changes: Sequence[tuple[StepRun, dict[str, Any]]],
    *,
    from_: str | Iterable[str],
    to: str,
) -> None:
    """Move several steps of the journal's run to `to`, each with its own column values.

    from_, to: a legal move of `decide.STEP_MOVES` (else IllegalMove).
    changes: (step, fields) pairs; every step must be in `from_` (read under
    the run lock), else StepConflict is raised and the transaction rolls back. One
    statement executed for all of them (`executemany`: one prepared UPDATE per row).
    """
    if not changes:
        return
    allowed = _sources(from_)
    event = decide.move_event(decide.STEP_MOVES, allowed, to)
    if len(changes) == 1:
        step, fields = changes[0]
        if not step_transition(journal, step, from_=allowed, to=to, **fields):
            raise StepConflict(f"step {step.pk} ({step.node_id}) left {allowed} meanwhile")
        return
    steps = []
    for step, fields in changes:
        step.status = to
        for name, value in fields.items():
            setattr(step, name, value)
        steps.append(step)
    count = steps_update(
        [(step.pk, {"status": to, **fields}) for step, fields in changes],
        allowed_from=allowed,
        match={"run_id": journal.run_id},
    )
    if count != len(steps):
        raise StepConflict(f"{len(steps) - count} of {len(steps)} steps left {allowed} meanwhile")
    for step in steps:
        journal.append(event, step_payload(step))


def run_transition(
    journal: Journal, run: Run, *, from_: str | Iterable[str], to: str, **fields: Any
) -> bool:
    """Move a run to `to` if it is in `from_`; False when it was not.

    from_, to: a legal move of `decide.RUN_MOVES` (else IllegalMove).
    """
    sources = _sources(from_)
    event = decide.move_event(decide.RUN_MOVES, sources, to)
    count = Run.objects.filter(pk=run.pk, status__in=sources).update(status=to, **fields)
    if count != 1:
        return False
    run.status = to
    for name, value in fields.items():
        setattr(run, name, value)
    if run.pk == journal.run_id:
        journal.status = to
        journal.error = run.error
    journal.append(event, {"status": to, "error": run.error})
    return True


def step_output_events(journal: Journal, step: StepRun) -> None:
    """One step.output event per recorded output of `step`."""
    for port, output in sorted(step.outputs.items()):
        journal.append(
            events.STEP_OUTPUT, {"node": step.node_id, "step": step.pk, "port": port, **output}
        )


__all__ = [
    "Journal",
    "Status",
    "StepConflict",
    "run_journal",
    "run_transition",
    "step_transition",
    "steps_transition",
]
