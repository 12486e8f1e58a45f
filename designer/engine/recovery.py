"""Recovery: the reaper for steps whose worker died, and the embedded restart sweep."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from designer.engine.dispatch import step_enqueue
from designer.engine.models import ACTIVE, Run, Status, StepRun
from designer.engine.scheduler import advance_locked, run_advance
from designer.engine.state import run_journal, step_transition

logger = logging.getLogger(__name__)


def step_recover(*, step: StepRun, why: str) -> None:
    """Re-queue a Running step whose worker is gone (attempt + 1), or fail it past the limit.

    step: the Running step. why: the cause, recorded in its reason or error.
    """
    now = timezone.now()
    match = {"attempt": step.attempt, "worker_id": step.worker_id}
    with run_journal(step.run_id) as journal:
        if step.attempt <= settings.ENGINE_RETRY_LIMIT:
            requeued = step_transition(
                journal,
                step,
                to=Status.QUEUED,
                allowed_from=[Status.RUNNING],
                match=match,
                attempt=step.attempt + 1,
                worker_id="",
                pid=None,
                heartbeat_at=None,
                queued_at=now,
                started_at=None,
                reason=f"retry {step.attempt}: {why}",
            )
            if requeued:
                step_id, queue = step.pk, step.queue
                transaction.on_commit(lambda: step_enqueue(step_run_id=step_id, queue=queue))
            return
        failed = step_transition(
            journal,
            step,
            to=Status.FAILED,
            allowed_from=[Status.RUNNING],
            match=match,
            ended_at=now,
            error=f"worker lost: {why}; gave up after {step.attempt} attempts",
        )
        if failed:
            advance_locked(journal)  # Same transaction: downstream skipped, run settled.


def steps_reap() -> int:
    """Recover every Running step whose heartbeat is older than ENGINE_REAPER_TIMEOUT."""
    timeout = settings.ENGINE_REAPER_TIMEOUT
    cutoff = timezone.now() - timedelta(seconds=timeout)
    stale = list(StepRun.objects.filter(status=Status.RUNNING, heartbeat_at__lt=cutoff))
    for step in stale:
        logger.warning("step %s (%s) lost its worker %s", step.pk, step.node_id, step.worker_id)
        step_recover(step=step, why=f"no heartbeat from {step.worker_id} for {timeout:g} s")
    return len(stale)


def engine_recover_at_start() -> None:
    """Embedded start-up: nothing from before the restart is in flight any more.

    Running steps are recovered (retried), queued steps are sent again (a duplicate
    message is harmless: the claim is conditional), and every active run is advanced.
    """
    for step in StepRun.objects.filter(status=Status.RUNNING):
        step_recover(step=step, why="the server restarted while it ran")
    for step_id, queue in StepRun.objects.filter(status=Status.QUEUED).values_list("id", "queue"):
        step_enqueue(step_run_id=step_id, queue=queue)
    for run_id in Run.objects.filter(status__in=list(ACTIVE)).values_list("id", flat=True):
        run_advance(run_id=run_id)


class Reaper(threading.Thread):
    """Calls `steps_reap` every ENGINE_REAPER_INTERVAL seconds until stopped."""

    def __init__(self) -> None:
        super().__init__(name="conveyor-reaper", daemon=True)
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(settings.ENGINE_REAPER_INTERVAL):
            close_old_connections()
            try:
                steps_reap()
            except Exception:
                logger.exception("the reaper failed; it will try again")

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)
