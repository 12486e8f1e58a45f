"""The engine's hand-written SQL: lock a run, select and update steps, append events.

The ORM's query compilation costs more than SQLite's execution here (and `bulk_update`
builds a CASE per field and row), so the few statements every step transition runs are
written once per database vendor, cached, and executed with `executemany`. Values go
through each field's own `get_db_prep_save` and are read back through the ORM's converters,
exactly as the ORM would write and read them.

These helpers know tables and columns, not statuses: which moves are legal, and the events
they emit, is `state.py`'s business (which calls them inside its run journal).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

from designer.engine.models import Run, RunEvent, StepRun

RUN_TABLE = '"engine_run"'
STEP_TABLE = '"engine_steprun"'
EVENT_TABLE = '"engine_runevent"'
_HEAD = ("last_seq", "status", "cancel_requested", "created_at", "error")


class RunHead(NamedTuple):
    """A run's mutable head, read while locking its row."""

    last_seq: int
    status: str
    cancel_requested: bool
    created_at: datetime | None
    error: str


def _db() -> BaseDatabaseWrapper:
    """This thread's default connection (one thread-local lookup, not one per attribute)."""
    return connections[DEFAULT_DB_ALIAS]


def quote(name: str) -> str:
    """A column or table name quoted for the current database."""
    return _quote(connection.vendor, name)


@lru_cache(maxsize=512)
def _quote(vendor: str, name: str) -> str:
    return connection.ops.quote_name(name)


def _execute(sql: str, params: Sequence[Any]) -> int:
    """Run one statement; the number of rows it touched."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def run_lock(run_id: int) -> RunHead:
    """Lock the run's row (FOR UPDATE where the database has it) and read its head.

    Call inside a transaction. Raises Run.DoesNotExist for an unknown run.
    """
    conn = _db()
    with conn.cursor() as cursor:
        cursor.execute(_lock_sql(conn.vendor, conn.features.has_select_for_update), [run_id])
        row = cursor.fetchone()
    if row is None:
        raise Run.DoesNotExist(f"run {run_id} does not exist")
    return RunHead(*_convert(_converters(Run, _HEAD, conn.vendor), row, conn))


@lru_cache(maxsize=8)
def _lock_sql(vendor: str, for_update: bool) -> str:
    columns = ", ".join(quote(n) for n in _HEAD)
    sql = f"SELECT {columns} FROM {RUN_TABLE} WHERE {quote('id')} = %s"  # noqa: S608
    return sql + " FOR UPDATE" if for_update else sql


def run_seq_update(run_id: int, seq: int) -> None:
    """Set the run's `last_seq` (the seq of its newest event)."""
    _execute(
        f"UPDATE {RUN_TABLE} SET {quote('last_seq')} = %s WHERE {quote('id')} = %s",  # noqa: S608
        [seq, run_id],
    )


def _convert(
    converters: list[tuple[Any, list[Any]]], row: Sequence[Any], conn: BaseDatabaseWrapper
) -> list[Any]:
    values = []
    for (column, funcs), value in zip(converters, row, strict=True):
        for func in funcs:
            value = func(value, column, conn)
        values.append(value)
    return values


@lru_cache(maxsize=64)
def _converters(
    model: type[Model], names: tuple[str, ...], vendor: str
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
    return ordered, list(ordered), ", ".join(quote(f.column) for f in fields)


def steps_select(names: Sequence[str], where: str, params: list[Any]) -> list[StepRun]:
    """Steps with only the fields `names` loaded (attnames, e.g. "run_id"), by raw SQL.

    names: the fields to load (the others are deferred, as with `.only()`).
    where: an SQL condition on engine_steprun columns with %s placeholders for `params`.
    """
    ordered, attnames, columns = _select_columns(tuple(names))
    sql = f"SELECT {columns} FROM {STEP_TABLE} WHERE {where}"  # noqa: S608
    conn = _db()
    converters = _converters(StepRun, ordered, conn.vendor)
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    alias = conn.alias
    return [StepRun.from_db(alias, attnames, _convert(converters, row, conn)) for row in rows]


@lru_cache(maxsize=256)
def _field(model: type[Model], name: str) -> Field:
    return cast(Field, model._meta.get_field(name))


def _column(model: type[Model], name: str) -> str:
    return quote(_field(model, name).column)


@lru_cache(maxsize=256)
def _update_sql(vendor: str, names: tuple[str, ...], allowed: int, match: tuple[str, ...]) -> str:
    """`UPDATE steps SET names WHERE id = %s AND status IN (allowed x %s) AND match = %s`."""
    assignments = ", ".join(f"{_column(StepRun, n)} = %s" for n in names)
    where = [f"{quote('id')} = %s", f"{quote('status')} IN ({', '.join(['%s'] * allowed)})"]
    where += [f"{_column(StepRun, n)} = %s" for n in match]
    return f"UPDATE {STEP_TABLE} SET {assignments} WHERE {' AND '.join(where)}"  # noqa: S608


def steps_update(
    rows: Sequence[tuple[int, dict[str, Any]]],
    *,
    allowed_from: Sequence[str],
    match: dict[str, Any] | None = None,
) -> int:
    """Conditionally update step rows; the number of rows updated.

    rows: (pk, {field name: value}) per step.
    allowed_from: the statuses a row must have to be updated.
    match: further field values every row must still have (e.g. the run or the attempt).
    Rows are grouped by their set of field names; each group is one `executemany` of
    `UPDATE ... SET fields WHERE id = pk AND status IN allowed_from AND match`.
    """
    groups: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = {}
    for pk, fields in rows:
        groups.setdefault(tuple(sorted(fields)), []).append((pk, fields))
    conditions = sorted((match or {}).items())
    conn = _db()
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
            else:
                cursor.executemany(sql, params)
            total += cursor.rowcount
    return total


@lru_cache(maxsize=8)
def _insert_sql(vendor: str) -> str:
    names = ("run", "seq", "type", "payload", "created_at")
    columns = ", ".join(_column(RunEvent, n) for n in names)
    marks = ", ".join(["%s"] * len(names))
    return f"INSERT INTO {EVENT_TABLE} ({columns}) VALUES ({marks})"  # noqa: S608


def events_insert(pending: Sequence[RunEvent]) -> None:
    """Insert unsaved events (run, seq, type, payload and created_at set) in one statement."""
    conn = _db()
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
