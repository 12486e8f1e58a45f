"""Dramatiq middleware: fast queue polling and a reaper thread in every worker."""

from __future__ import annotations

from typing import Any

import dramatiq
from django.conf import settings
from django_dramatiq.middleware import DbConnectionsMiddleware
from dramatiq.broker import Consumer

from designer.engine.connections import connections_tidy

# A delay queue holds only messages that wait anyway (database retries back off 250 ms and
# more): polled every few ms like a compute queue, it cost each idle `rundramatiq` process
# about 40 ms of CPU a second, and Redis as much again, also while every thread was busy.
DELAY_QUEUE_POLL_MS = 100


def tune_worker(worker: dramatiq.Worker) -> None:
    """Redis consumers back off up to worker_timeout when idle: keep it a few ms."""
    worker.worker_timeout = settings.ENGINE_WORKER_TIMEOUT_MS


def delay_queues_poll_slowly(broker: dramatiq.Broker) -> None:
    """Have the broker's delay-queue consumers back off up to DELAY_QUEUE_POLL_MS when idle.

    Dramatiq gives every consumer the worker's timeout; compute queues keep theirs (a step
    is picked up within milliseconds), delay queues (`<queue>.DQ`) take the longer one.
    """
    consume = broker.consume
    if getattr(consume, "delay_queues_slow", False):
        return

    def consume_tuned(queue_name: str, prefetch: int = 1, timeout: int = 5000) -> Consumer:
        if queue_name.endswith(".DQ"):
            timeout = max(timeout, DELAY_QUEUE_POLL_MS)
        return consume(queue_name, prefetch=prefetch, timeout=timeout)

    consume_tuned.delay_queues_slow = True  # type: ignore[attr-defined]
    broker.consume = consume_tuned  # type: ignore[method-assign]


def broker_tune(broker: dramatiq.Broker) -> None:
    """Redis: a worker process silent for the heartbeat timeout is dead (default 5 s, not
    Dramatiq's 60 s), so the messages it fetched come back within seconds; the reaper
    thread beats every second (`recovery.broker_keepalive`)."""
    from designer.engine.recovery import broker_heartbeat_timeout_ms

    if hasattr(broker, "heartbeat_timeout"):
        broker.heartbeat_timeout = broker_heartbeat_timeout_ms()


# How long a Redis consumer of an empty compute queue waits on its doorbell before it
# fetches again: the most a send pays when its ring was lost (or for messages Dramatiq
# itself moves, such as a retry whose delay ended), and how late a stopping worker is.
DOORBELL_WAIT_S = 0.5


def consumers_wait_for_sends(broker: dramatiq.Broker) -> None:
    """Redis: a consumer that found its compute queue empty waits on the queue's doorbell.

    Dramatiq's Redis consumer polls an empty queue every worker_timeout (a few ms here, so
    a step starts at once), which cost each idle process about 50 ms of CPU a second and
    Redis as much. Now a fetch that finds nothing blocks (BLPOP) until a send rings the
    doorbell (`dispatch.doorbells_ring`) or DOORBELL_WAIT_S pass, then fetches again. Acks
    are unaffected: Dramatiq's worker threads send them. Delay queues are left as they are.
    """
    from designer.engine.dispatch import RedisBroker, doorbell_key

    if RedisBroker is None or not isinstance(broker, RedisBroker):
        return
    from redis.exceptions import ResponseError

    fetch = broker.do_fetch
    if getattr(fetch, "waits_for_sends", False):
        return

    wait: list[float] = [DOORBELL_WAIT_S]

    def fetch_or_wait(queue_name: str, prefetch: int) -> list[bytes]:
        messages: list[bytes] = fetch(queue_name, prefetch)
        if messages or queue_name.endswith(".DQ"):
            return messages
        try:
            broker.client.blpop([doorbell_key(broker, queue_name)], timeout=wait[0])
        except ResponseError:  # Redis before 6.0 takes whole seconds only.
            wait[0] = 1
        return fetch(queue_name, prefetch)

    fetch_or_wait.waits_for_sends = True  # type: ignore[attr-defined]
    broker.do_fetch = fetch_or_wait  # type: ignore[attr-defined]


class EngineMiddleware(dramatiq.Middleware):
    """Declares the compute pool queues, tunes idle polling, runs the reaper beside workers.

    Every worker (embedded threads or a `rundramatiq` process) runs one reaper thread, so
    a lost worker is noticed as long as any worker is alive. Reaping twice is harmless:
    each recovery is a conditional update.
    """

    def __init__(self) -> None:
        self.reapers: dict[int, Any] = {}

    def before_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        from designer.engine.dispatch import queues_declare
        from designer.engine.runtime import sandbox_announce

        tune_worker(worker)
        delay_queues_poll_slowly(broker)
        consumers_wait_for_sends(broker)
        queues_declare(broker)
        sandbox_announce()  # `rundramatiq` workers say at start-up when steps run unsandboxed.
        broker_tune(broker)

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        from designer.engine.recovery import Reaper

        reaper = Reaper(broker)
        reaper.start()
        self.reapers[id(worker)] = reaper

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        reaper = self.reapers.pop(id(worker), None)
        if reaper is not None:
            reaper.stop()

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        from designer.engine.execution import scratch_drain

        scratch_drain()  # Scratch folders of the last steps are removed in the background.


class KeepConnections(DbConnectionsMiddleware):
    """Embedded workers: keep each worker thread's database connection between messages.

    `DbConnectionsMiddleware` closes a connection after every message when CONN_MAX_AGE is
    0 (the embedded SQLite default), so every step reconnected (and re-ran the SQLite
    PRAGMAs). This one still closes a connection that is unusable, errored or left in a
    changed autocommit state, and honours a positive CONN_MAX_AGE; the connections are
    closed when the worker threads stop, as before.
    """

    def _tidy_connections(self, *args: Any, **kwargs: Any) -> None:
        connections_tidy()

    before_process_message = _tidy_connections
    after_process_message = _tidy_connections


def connections_keep(broker: dramatiq.Broker) -> None:
    """Swap the broker's DbConnectionsMiddleware for KeepConnections (embedded mode only)."""
    broker.middleware = [
        KeepConnections() if type(m) is DbConnectionsMiddleware else m for m in broker.middleware
    ]
