"""Lost workers and restarts: the reaper and the embedded start-up sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from designer.engine.models import StepRun
from designer.engine.recovery import engine_recover_at_start, steps_reap
from designer.engine.submit import run_submit
from tests.factories import document, edge, node, steps_of, wait_run

pytestmark = pytest.mark.django_db(transaction=True)


def orphan(step: StepRun, attempt: int = 1) -> None:
    """Make a step look claimed by a worker that died long ago."""
    StepRun.objects.filter(pk=step.pk).update(
        status="Running",
        worker_id="gone:1:t",
        attempt=attempt,
        heartbeat_at=timezone.now() - timedelta(hours=1),
        started_at=timezone.now(),
    )


def test_a_step_whose_worker_stopped_heartbeating_is_retried_and_the_run_completes(
    make_version, owner, settings
):
    doc = document([node("a", "t_echo@1"), node("b", "t_echo@1")], [edge("a.out", "b.data")])
    run = run_submit(pipeline_version=make_version(doc), user=owner)  # no worker yet
    orphan(run.steps.get(node_id="a"))
    assert steps_reap() == 1
    step = run.steps.get(node_id="a")
    assert step.status == "Queued" and step.attempt == 2 and "no heartbeat" in step.reason
    from designer.engine.worker import embedded_worker_start, embedded_worker_stop

    worker = embedded_worker_start(threads=2)
    try:
        run = wait_run(run)
    finally:
        embedded_worker_stop(worker)
    assert run.status == "Completed"
    assert steps_of(run)["a"].attempt == 2


def test_past_the_retry_limit_a_lost_step_fails_and_its_downstream_is_skipped(
    make_version, owner, settings
):
    settings.ENGINE_RETRY_LIMIT = 1
    doc = document([node("a", "t_echo@1"), node("b", "t_echo@1")], [edge("a.out", "b.data")])
    run = run_submit(pipeline_version=make_version(doc), user=owner)
    orphan(run.steps.get(node_id="a"), attempt=2)
    steps_reap()
    run.refresh_from_db()
    steps = steps_of(run)
    assert steps["a"].status == "Failed" and steps["a"].error.startswith("worker lost")
    assert steps["b"].status == "Skipped"
    assert run.status == "Failed"


@pytest.mark.live
def test_after_an_embedded_restart_queued_and_orphaned_steps_run_and_the_run_completes(
    make_version, owner
):
    import dramatiq

    doc = document(
        [node("a", "t_echo@1"), node("b", "t_echo@1", text="b")],
    )
    run = run_submit(pipeline_version=make_version(doc), user=owner)
    dramatiq.get_broker().flush_all()  # the restart lost every in-memory message
    orphan(run.steps.get(node_id="b"))
    from designer.engine.worker import embedded_worker_start, embedded_worker_stop

    worker = embedded_worker_start(threads=2)
    try:
        engine_recover_at_start()
        run = wait_run(run)
    finally:
        embedded_worker_stop(worker)
    assert run.status == "Completed"
    assert steps_of(run)["b"].attempt == 2
