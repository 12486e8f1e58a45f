"""Sending a step to its compute queue: one Dramatiq queue per compute pool."""

from __future__ import annotations

import dramatiq
from django.conf import settings
from dramatiq.message import Message

EXECUTE_STEP = "execute_step"


def queues_declare(broker: dramatiq.Broker | None = None) -> None:
    """Declare one queue per compute pool, so any pool can be enqueued to and consumed."""
    broker = broker or dramatiq.get_broker()
    for pool in settings.COMPUTE_POOLS:
        broker.declare_queue(pool)


def steps_enqueue(sends: list[tuple[int, str]]) -> None:
    """Send `execute_step` for each (step run id, queue) pair, in order."""
    for step_run_id, queue in sends:
        step_enqueue(step_run_id=step_run_id, queue=queue)


def step_enqueue(*, step_run_id: int, queue: str) -> None:
    """Send `execute_step(step_run_id)` to `queue` (a compute pool name).

    step_run_id: the StepRun to execute. queue: the pool; the actor's own default queue is
    only where it was declared.
    """
    import designer.engine.tasks  # noqa: F401  (declares the actor on the broker)

    broker = dramatiq.get_broker()
    if queue not in broker.get_declared_queues():
        queues_declare(broker)
    broker.enqueue(
        Message(
            queue_name=queue,
            actor_name=EXECUTE_STEP,
            args=(step_run_id,),
            kwargs={},
            options={},
        )
    )
