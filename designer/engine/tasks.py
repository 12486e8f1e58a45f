"""Dramatiq actors of the engine (autodiscovered by django_dramatiq). Ids only."""

from __future__ import annotations

import logging

import dramatiq
from django.conf import settings
from django.db import InterfaceError, OperationalError

from designer.engine.dispatch import EXECUTE_STEP, queues_declare
from designer.engine.execution import step_execute

# The runner enforces each node's timeout; Dramatiq's own limit must never fire first.
NO_TIME_LIMIT_MS = 10 * 365 * 24 * 3600 * 1000
# A message that met a database outage goes back with backoff (0.25 s doubling to 2 s:
# a blip must cost seconds), about ten minutes in all; past that the sweep re-sends it.
DB_RETRIES = 300
logger = logging.getLogger(__name__)


def retry_when(retries: int, exc: BaseException) -> bool:
    """Retry a message only when the database could not be reached.

    A failing step is an answer (recorded by `step_execute`), and lost workers are the
    reaper's job; a worker that cannot reach the database must not consume and
    dead-letter messages, so those come back later.
    """
    transient = isinstance(exc, OperationalError | InterfaceError)
    if transient:
        logger.warning("a step message met a database error (%s); retry %d", exc, retries + 1)
    return transient and retries < DB_RETRIES


@dramatiq.actor(
    actor_name=EXECUTE_STEP,
    queue_name=settings.DEFAULT_COMPUTE,
    max_retries=0,
    retry_when=retry_when,
    min_backoff=250,
    max_backoff=2_000,
    time_limit=NO_TIME_LIMIT_MS,
)
def execute_step(step_run_id: int) -> None:
    """Execute one step run (sent to the queue named after its compute pool)."""
    step_execute(step_run_id=step_run_id)


def sends_confirmed(broker: dramatiq.Broker) -> None:
    """RabbitMQ: wait for the broker's confirm on every send (set before any channel opens),
    so a send that returned is stored, and one that raised is retried by the outbox."""
    if hasattr(broker, "confirm_delivery"):
        broker.confirm_delivery = True


sends_confirmed(dramatiq.get_broker())
queues_declare()
