"""The engine's hand-written SQL (designer/engine/persistence.py) reads and writes rows as the
ORM would. Run on PostgreSQL too: `DATABASE_URL=postgres://... pytest tests/engine`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import transaction

from designer.engine.models import Run, RunEvent, Status, StepRun
from designer.engine.persistence import (
    RunHead,
    events_insert,
    run_lock,
    run_seq_update,
    steps_select,
    steps_update,
)
from tests.factories import document, node

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(make_version: Any, components: dict[str, Any], owner: Any) -> Run:
    """A running run of two queued steps, a and b, written through the ORM."""
    version = make_version(document([node("a", "t_echo@1", text="hi"), node("b", "t_echo@1")]))
    made = Run.objects.create(
        pipeline=version.pipeline,
        pipeline_version=version,
        user=owner,
        document=version.document,
        status=Status.RUNNING,
        cancel_requested=True,
        error="slow",
        last_seq=4,
    )
    for node_id in ("a", "b"):
        StepRun.objects.create(
            run=made,
            node_id=node_id,
            component_version=components["echo"],
            queue="cpu",
            status=Status.QUEUED,
            params={"text": node_id},
        )
    return made


def _steps(run: Run) -> dict[str, StepRun]:
    return {step.node_id: step for step in StepRun.objects.filter(run=run)}


def test_locking_a_run_reads_its_head_with_python_values(run: Run) -> None:
    with transaction.atomic():
        head = run_lock(run.pk)
    assert head == RunHead(4, Status.RUNNING, True, run.created_at, "slow")
    assert isinstance(head.cancel_requested, bool)
    assert head.created_at is not None and head.created_at.tzinfo is not None


def test_locking_a_run_that_does_not_exist_raises_does_not_exist(db: None) -> None:
    with pytest.raises(Run.DoesNotExist), transaction.atomic():
        run_lock(987654)


def test_setting_the_last_seq_writes_only_that_run(run: Run) -> None:
    run_seq_update(run.pk, 9)
    run.refresh_from_db()
    assert (run.last_seq, run.status, run.error) == (9, Status.RUNNING, "slow")


def test_selecting_steps_loads_only_the_named_fields_as_the_orm_would(run: Run) -> None:
    found = steps_select(("params", "id", "status"), '"run_id" = %s', [run.pk])
    assert sorted((s.params["text"], s.status) for s in found) == [
        ("a", Status.QUEUED),
        ("b", Status.QUEUED),
    ]
    assert found[0].get_deferred_fields() >= {"node_id", "outputs", "queue"}
    assert found[0]._state.adding is False


def test_updating_steps_changes_only_rows_in_an_allowed_status(run: Run) -> None:
    steps = _steps(run)
    StepRun.objects.filter(pk=steps["b"].pk).update(status=Status.RUNNING)
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    count = steps_update(
        [
            (steps["a"].pk, {"status": Status.RUNNING, "started_at": when}),
            (steps["b"].pk, {"status": Status.RUNNING, "started_at": when}),
        ],
        allowed_from=[Status.QUEUED],
    )
    assert count == 1
    after = _steps(run)
    assert (after["a"].status, after["a"].started_at) == (Status.RUNNING, when)
    assert after["b"].started_at is None


def test_updating_steps_checks_the_matched_fields_and_groups_rows_by_their_fields(
    run: Run,
) -> None:
    steps = _steps(run)
    rows = [
        (steps["a"].pk, {"status": Status.FAILED, "error": "boom", "exit_code": 3}),
        (steps["b"].pk, {"status": Status.SKIPPED, "reason": "upstream a failed"}),
    ]
    assert steps_update(rows, allowed_from=[Status.QUEUED], match={"attempt": 2}) == 0
    assert steps_update(rows, allowed_from=[Status.QUEUED], match={"attempt": 1}) == 2
    after = _steps(run)
    assert (after["a"].status, after["a"].error, after["a"].exit_code) == (Status.FAILED, "boom", 3)
    assert (after["b"].status, after["b"].reason) == (Status.SKIPPED, "upstream a failed")


def test_inserting_events_writes_each_with_its_json_payload(run: Run) -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    events_insert(
        [
            _dated(RunEvent(run_id=run.pk, seq=5, type="run.status", payload={"a": 1}), now),
            _dated(RunEvent(run_id=run.pk, seq=6, type="step.status", payload={"b": [2]}), now),
        ]
    )
    events_insert([_dated(RunEvent(run_id=run.pk, seq=7, type="run.status", payload={}), now)])
    stored = list(RunEvent.objects.filter(run=run).order_by("seq"))
    assert [(e.seq, e.type, e.payload, e.created_at) for e in stored] == [
        (5, "run.status", {"a": 1}, now),
        (6, "step.status", {"b": [2]}, now),
        (7, "run.status", {}, now),
    ]


def _dated(event: RunEvent, when: datetime) -> RunEvent:
    event.created_at = when
    return event
