"""Sending a step to its compute queue: one Dramatiq queue per compute pool.

Sends happen after the transaction that queued the step commits (the Queued status and
`send_after` are the outbox record). A send the broker refuses (down, restarting) is
handed to this process's `_Outbox` thread, which retries it with backoff; if the process
dies first, the reaper's sweep (`recovery.steps_requeue_lost`) re-sends it.
"""

from __future__ import annotations

import logging
import threading
import time

import dramatiq
from django.conf import settings
from dramatiq.message import Message

try:
    from dramatiq.brokers.redis import RedisBroker
except ImportError:  # pragma: no cover  (the redis package is optional)
    RedisBroker = None  # type: ignore[assignment,misc]

EXECUTE_STEP = "execute_step"
logger = logging.getLogger(__name__)


def queues_declare(broker: dramatiq.Broker | None = None) -> None:
    """Declare one queue per compute pool, so any pool can be enqueued to and consumed."""
    broker = broker or dramatiq.get_broker()
    for pool in settings.COMPUTE_POOLS:
        broker.declare_queue(pool)


def steps_enqueue(sends: list[tuple[int, str]]) -> None:
    """Send `execute_step` for each (step run id, queue) pair, in order.

    A send that fails is retried in the background with backoff (never raised: the
    transaction that queued the step has committed, and the sweep is the last resort).
    """
    sent: dict[str, int] = {}
    for index, (step_run_id, queue) in enumerate(sends):
        try:
            step_enqueue(step_run_id=step_run_id, queue=queue, ring=False)
        except Exception as exc:
            doorbells_ring(sent)
            logger.warning(
                "sending step %s to queue %s failed (%s: %s); retrying with backoff",
                step_run_id,
                queue,
                type(exc).__name__,
                exc,
            )
            _OUTBOX.put(sends[index:])
            return
        sent[queue] = sent.get(queue, 0) + 1
    doorbells_ring(sent)


def step_enqueue(*, step_run_id: int, queue: str, ring: bool = True) -> None:
    """Send `execute_step(step_run_id)` to `queue` (a compute pool name).

    step_run_id: the StepRun to execute. queue: the pool; the actor's own default queue is
    only where it was declared. ring: wake a waiting consumer (`doorbells_ring`).
    """
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
    if ring:
        doorbells_ring({queue: 1})


# Redis consumers of an empty compute queue wait on its doorbell (a Redis list; see
# `middleware.consumers_wait_for_sends`) instead of polling every few ms; each send rings
# it. A ring lost or never made costs at most the consumers' wait (DOORBELL_WAIT_S).
DOORBELL_TOKENS = 16


def doorbell_key(broker: dramatiq.Broker, queue: str) -> str:
    return f"{getattr(broker, 'namespace', 'dramatiq')}:{queue}.doorbell"


def doorbells_ring(sent: dict[str, int], broker: dramatiq.Broker | None = None) -> None:
    """Push one token per message sent (at most DOORBELL_TOKENS) on each queue's doorbell.

    sent: queue -> messages just sent. Redis only (other brokers push to their consumers);
    one round trip; never raises (the messages are sent; a consumer wakes anyway).
    """
    broker = broker or dramatiq.get_broker()
    if not sent or RedisBroker is None or not isinstance(broker, RedisBroker):
        return
    try:
        pipe = broker.client.pipeline(transaction=False)
        for queue, count in sent.items():
            key = doorbell_key(broker, queue)
            pipe.rpush(key, *["1"] * min(count, DOORBELL_TOKENS))
            pipe.ltrim(key, 0, DOORBELL_TOKENS - 1)
        pipe.execute()
    except Exception as exc:
        logger.debug("ringing the doorbells of %s failed: %s", sorted(sent), exc)


class _Outbox:
    """One daemon thread per process re-trying sends the broker refused, with backoff.

    Backoff doubles from FIRST to MAX seconds; after GIVE_UP seconds of failures the
    remaining sends are dropped here and left to the sweep (their steps are still Queued
    with `send_after` in the past, so the sweep re-sends them once the broker is back).
    """

    FIRST = 0.1
    MAX = 2.0
    GIVE_UP = 600.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._pending: list[tuple[int, str]] = []
        self._thread: threading.Thread | None = None

    def put(self, sends: list[tuple[int, str]]) -> None:
        with self._lock:
            self._pending += sends
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="conveyor-outbox", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def _run(self) -> None:
        delay, failing_since = self.FIRST, time.monotonic()
        while True:
            with self._lock:
                while not self._pending:
                    self._wake.wait()
                    delay, failing_since = self.FIRST, time.monotonic()
            time.sleep(delay)
            if self._send_all():
                delay, failing_since = self.FIRST, time.monotonic()
                continue
            if time.monotonic() - failing_since > self.GIVE_UP:
                with self._lock:
                    dropped, self._pending = self._pending, []
                logger.error(
                    "gave up re-sending %d steps after %.0f s; the sweep will re-send them",
                    len(dropped),
                    self.GIVE_UP,
                )
            delay = min(delay * 2, self.MAX)

    def _send_all(self) -> bool:
        """Send what is pending, in order; False at the first failure (the rest kept)."""
        while True:
            with self._lock:
                if not self._pending:
                    return True
                step_run_id, queue = self._pending[0]
            try:
                step_enqueue(step_run_id=step_run_id, queue=queue)
            except Exception as exc:
                logger.info("re-sending step %s still fails: %s", step_run_id, exc)
                return False
            logger.warning("step %s sent to queue %s after a failed send", step_run_id, queue)
            with self._lock:
                self._pending.pop(0)


_OUTBOX = _Outbox()


def outbox_pending() -> int:
    """How many sends of this process are waiting to be retried."""
    return _OUTBOX.pending()
