"""Dramatiq actors of the engine (autodiscovered by django_dramatiq). Ids only."""

from __future__ import annotations

import dramatiq
from django.conf import settings

from designer.engine.dispatch import EXECUTE_STEP, queues_declare
from designer.engine.execution import step_execute

# The runner enforces each node's timeout; Dramatiq's own limit must never fire first.
NO_TIME_LIMIT_MS = 10 * 365 * 24 * 3600 * 1000


@dramatiq.actor(
    actor_name=EXECUTE_STEP,
    queue_name=settings.DEFAULT_COMPUTE,
    max_retries=0,  # A failing step is an answer; lost workers are the reaper's job.
    time_limit=NO_TIME_LIMIT_MS,
)
def execute_step(step_run_id: int) -> None:
    """Execute one step run (sent to the queue named after its compute pool)."""
    step_execute(step_run_id=step_run_id)


queues_declare()
