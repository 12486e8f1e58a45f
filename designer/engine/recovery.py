"""Recovery: the reaper (steps whose worker died, lost messages) and the restart sweep."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import dramatiq
from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone
from dramatiq.brokers.stub import StubBroker
from dramatiq.message import Message

from designer.engine.dispatch import EXECUTE_STEP, step_enqueue
from designer.engine.models import ACTIVE, Run, Status, StepRun
from designer.engine.scheduler import advance_locked, run_advance
from designer.engine.state import run_journal, step_transition
from designer.env import env_float

try:
    from dramatiq.brokers.redis import RedisBroker
except ImportError:  # pragma: no cover  (the redis package is optional)
    RedisBroker = None  # type: ignore[assignment,misc]

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


# Settings read here rather than in designer/settings.py (they default from the env):
# CONVEYOR_REQUEUE_AFTER (s): a Queued step older than this whose message the broker does
# not hold (or, on a broker that cannot be inspected, RabbitMQ, any such step) is re-sent.
REQUEUE_AFTER_DEFAULT = 600.0
REQUEUE_BATCH = 500


def requeue_after() -> float:
    configured = getattr(settings, "ENGINE_REQUEUE_AFTER", None)
    if configured is None:
        configured = env_float("CONVEYOR_REQUEUE_AFTER", REQUEUE_AFTER_DEFAULT)
    return float(configured)


def broker_step_ids(broker: dramatiq.Broker, queues: set[str]) -> set[int] | None:
    """Step ids of the execute_step messages the broker still holds, or None if unknown.

    Redis: every message of the queue hash (waiting or fetched by a consumer and not yet
    acknowledged). The stub broker (embedded): the waiting messages (a message a worker
    prefetched is not seen; re-sending it is harmless). RabbitMQ cannot be inspected.
    """
    found: set[int] = set()
    encoded: list[bytes] = []
    if isinstance(broker, StubBroker):
        for queue in queues:
            held = broker.queues.get(queue)
            if held is not None:
                encoded += list(held.queue)
    elif RedisBroker is not None and isinstance(broker, RedisBroker):
        for queue in queues:
            key = f"{broker.namespace}:{queue}.msgs"
            encoded += [data for _, data in broker.client.hscan_iter(key, count=1000)]
    else:
        return None
    for data in encoded:
        try:
            message = Message.decode(data)
        except Exception:  # noqa: S112  (not ours, or unreadable: not a step message)
            continue
        if message.actor_name == EXECUTE_STEP and message.args:
            found.add(int(message.args[0]))
    return found


def steps_requeue_lost(*, broker: dramatiq.Broker | None = None) -> int:
    """Re-send Queued steps whose message is lost; the number re-sent.

    A step qualifies once it has been Queued for CONVEYOR_REQUEUE_AFTER seconds and the
    broker does not hold its message (`broker_step_ids`; on RabbitMQ, which cannot be
    asked, the age alone decides). `queued_at` is moved to now with a conditional update
    first, so of several reapers only one re-sends, at most once per period. A duplicate
    message is harmless: the claim is conditional.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=requeue_after())
    stale = list(
        StepRun.objects.filter(status=Status.QUEUED, queued_at__lt=cutoff)
        .order_by("queued_at")
        .values_list("id", "queue", "queued_at")[:REQUEUE_BATCH]
    )
    if not stale:
        return 0
    held = broker_step_ids(broker or dramatiq.get_broker(), {queue for _, queue, _ in stale})
    sent = 0
    for step_id, queue, queued_at in stale:
        if held is not None and step_id in held:
            continue
        claimed = StepRun.objects.filter(
            pk=step_id, status=Status.QUEUED, queued_at=queued_at
        ).update(queued_at=now)
        if claimed:
            logger.warning(
                "step %s was queued since %s and its message is gone", step_id, queued_at
            )
            step_enqueue(step_run_id=step_id, queue=queue)
            sent += 1
    return sent


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
                steps_requeue_lost()
            except Exception:
                logger.exception("the reaper failed; it will try again")

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)
