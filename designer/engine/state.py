"""The one place where run and step states change, each change journaled as a RunEvent.

Every write happens inside `run_journal(run_id)`: it opens a transaction, locks the run row
first (PostgreSQL; SQLite's IMMEDIATE transactions serialise writers anyway), so every
writer takes locks in the same order (run, then steps) and no two can deadlock. Events get
the next per-run `seq` (allocated in memory under the lock, written with one bulk insert and
one update of `Run.last_seq` when the transaction ends) and are published after commit.

Every status change is one of `decide.STEP_MOVES` / `RUN_MOVES` (anything else raises
`IllegalMove`) and emits the event the table names. Step status changes are conditional
updates (`WHERE status IN from_`); a batch of
steps moves with one `bulk_update` whose matched row count must be the batch size (every
status writer holds the run lock, so the statuses read under it cannot change meanwhile).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field
from django.utils import timezone

from designer.engine import decide, events
from designer.engine.models import Run, RunEvent, Status, StepRun


class StepConflict(RuntimeError):
    """A batch transition matched fewer rows than expected (rolls the transaction back)."""


class Journal:
    """The events of one run appended in the current transaction.

    Locking the run also reads its mutable head: `status`, `cancel_requested` and
    `created_at` (the key of the in-process run plan cache).
    """

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        row = _lock_run(run_id)
        self.seq: int = row[0]
        self.status: str = row[1]
        self.cancel_requested: bool = row[2]
        self.created_at: datetime | None = row[3]
        self.error: str = row[4]
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
        _insert_events(self.pending)
        _execute(
            f"UPDATE {_RUN} SET {_q('last_seq')} = %s WHERE {_q('id')} = %s",  # noqa: S608
            [self.seq, self.run_id],
        )
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
    count = _update_steps([(step.pk, {"status": to, **fields})], allowed_from=sources, match=match)
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
    count = _update_steps(
        [(step.pk, {"status": to, **fields}) for step, fields in changes],
        allowed_from=allowed,
        match={"run_id": journal.run_id},
    )
    if count != len(steps):
        raise StepConflict(f"{len(steps) - count} of {len(steps)} steps left {allowed} meanwhile")
    for step in steps:
        journal.append(event, step_payload(step))


# Hot path SQL. The ORM's query compilation costs more than SQLite's execution here (and
# `bulk_update` builds a CASE per field and row), so the few statements every step
# transition runs are written once and executed with `executemany`. Values go through each
# field's own `get_db_prep_save`, exactly as the ORM would write them.


def _conn() -> BaseDatabaseWrapper:
    """This thread's connection (one thread-local lookup, not one per attribute access)."""
    return connections[DEFAULT_DB_ALIAS]


def _q(name: str) -> str:
    return _quote(connection.vendor, name)


@lru_cache(maxsize=512)
def _quote(vendor: str, name: str) -> str:
    return connection.ops.quote_name(name)


_RUN = '"engine_run"'
_STEPS = '"engine_steprun"'
_EVENTS = '"engine_runevent"'


def _execute(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@lru_cache(maxsize=8)
def _lock_sql(vendor: str, for_update: bool) -> str:
    names = ("last_seq", "status", "cancel_requested", "created_at", "error")
    columns = ", ".join(_q(n) for n in names)
    sql = f"SELECT {columns} FROM {_RUN} WHERE {_q('id')} = %s"  # noqa: S608
    return sql + " FOR UPDATE" if for_update else sql


def _lock_run(run_id: int) -> tuple[Any, ...]:
    names = ("last_seq", "status", "cancel_requested", "created_at", "error")
    conn = _conn()
    with conn.cursor() as cursor:
        cursor.execute(_lock_sql(conn.vendor, conn.features.has_select_for_update), [run_id])
        row = cursor.fetchone()
    if row is None:
        raise Run.DoesNotExist(f"run {run_id} does not exist")
    values = []
    for (column, funcs), value in zip(_converters(Run, names, conn.vendor), row, strict=True):
        for func in funcs:
            value = func(value, column, conn)
        values.append(value)
    return tuple(values)


@lru_cache(maxsize=64)
def _converters(
    model: type[Any], names: tuple[str, ...], vendor: str
) -> list[tuple[Any, list[Any]]]:
    """Per column: (Col, converters) as the ORM's compiler would apply them."""
    found = []
    for name in names:
        column = cast(Field, model._meta.get_field(name)).get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        found.append((column, converters))
    return found


@lru_cache(maxsize=64)
def _select_columns(names: tuple[str, ...]) -> tuple[tuple[str, ...], list[str], str]:
    """Names in model field order (as `from_db` expects), their attnames, the column list."""
    order = {f.attname: i for i, f in enumerate(StepRun._meta.concrete_fields)}
    fields = sorted(
        (cast(Field, StepRun._meta.get_field(n)) for n in names), key=lambda f: order[f.attname]
    )
    ordered = tuple(f.attname for f in fields)
    return ordered, list(ordered), ", ".join(_q(f.column) for f in fields)


def steps_select(names: Sequence[str], where: str, params: list[Any]) -> list[StepRun]:
    """Steps with only the fields `names` loaded (attnames, e.g. "run_id"), by raw SQL.

    where: an SQL condition on engine_steprun columns with %s placeholders for `params`.
    """
    names, attnames, columns = _select_columns(tuple(names))
    sql = f"SELECT {columns} FROM {_STEPS} WHERE {where}"  # noqa: S608
    conn = _conn()
    converters = _converters(StepRun, names, conn.vendor)
    steps = []
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    alias = conn.alias
    for row in rows:
        values = []
        for (column, funcs), value in zip(converters, row, strict=True):
            for func in funcs:
                value = func(value, column, conn)
            values.append(value)
        steps.append(StepRun.from_db(alias, attnames, values))
    return steps


@lru_cache(maxsize=256)
def _field(model: type[Any], name: str) -> Field:
    return cast(Field, model._meta.get_field(name))


def _prep(model: Any, name: str, value: Any) -> Any:
    return _field(model, name).get_db_prep_save(value, connection)


def _column(model: Any, name: str) -> str:
    return _q(_field(model, name).column)


@lru_cache(maxsize=256)
def _update_sql(vendor: str, names: tuple[str, ...], allowed: int, match: tuple[str, ...]) -> str:
    """`UPDATE steps SET names WHERE id = %s AND status IN (allowed x %s) AND match = %s`."""
    assignments = ", ".join(f"{_column(StepRun, n)} = %s" for n in names)
    where = [f"{_q('id')} = %s", f"{_q('status')} IN ({', '.join(['%s'] * allowed)})"]
    where += [f"{_column(StepRun, n)} = %s" for n in match]
    return f"UPDATE {_STEPS} SET {assignments} WHERE {' AND '.join(where)}"  # noqa: S608


def _update_steps(
    rows: Sequence[tuple[int, dict[str, Any]]],
    *,
    allowed_from: list[str],
    match: dict[str, Any] | None = None,
) -> int:
    """Conditionally update step rows (pk, fields); the number of rows updated.

    Rows are grouped by their set of field names; each group is one `executemany` of
    `UPDATE ... SET fields WHERE id = pk AND status IN allowed_from AND match`.
    """
    groups: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = {}
    for pk, fields in rows:
        groups.setdefault(tuple(sorted(fields)), []).append((pk, fields))
    conditions = sorted((match or {}).items())
    conn = _conn()
    vendor = conn.vendor
    tail = [
        *(_field(StepRun, "status").get_db_prep_save(status, conn) for status in allowed_from),
        *(_field(StepRun, n).get_db_prep_save(v, conn) for n, v in conditions),
    ]
    total = 0
    for names, members in groups.items():
        sql = _update_sql(vendor, names, len(allowed_from), tuple(n for n, _ in conditions))
        prep = [_field(StepRun, n).get_db_prep_save for n in names]
        params = [
            [*(f(fields[n], conn) for f, n in zip(prep, names, strict=True)), pk, *tail]
            for pk, fields in members
        ]
        with conn.cursor() as cursor:
            if len(params) == 1:
                cursor.execute(sql, params[0])
                total += cursor.rowcount
            else:
                cursor.executemany(sql, params)
                total += cursor.rowcount
    return total


@lru_cache(maxsize=8)
def _insert_sql(vendor: str) -> str:
    names = ("run", "seq", "type", "payload", "created_at")
    columns = ", ".join(_column(RunEvent, n) for n in names)
    marks = ", ".join(["%s"] * len(names))
    return f"INSERT INTO {_EVENTS} ({columns}) VALUES ({marks})"  # noqa: S608


def _insert_events(pending: list[RunEvent]) -> None:
    conn = _conn()
    payload = _field(RunEvent, "payload").get_db_prep_save
    created = _field(RunEvent, "created_at").get_db_prep_save
    params = [
        [
            event.run_id,
            event.seq,
            event.type,
            payload(event.payload, conn),
            created(event.created_at, conn),
        ]
        for event in pending
    ]
    with conn.cursor() as cursor:
        if len(params) == 1:
            cursor.execute(_insert_sql(conn.vendor), params[0])
        else:
            cursor.executemany(_insert_sql(conn.vendor), params)


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
    "steps_select",
    "steps_transition",
]
