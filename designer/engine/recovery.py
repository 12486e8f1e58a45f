"""Recovery: the reaper (steps whose worker died, lost messages) and the restart sweep."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import dramatiq
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, transaction
from django.utils import timezone
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import current_millis
from dramatiq.errors import BrokerConnectionError
from dramatiq.message import Message

from designer.engine.dispatch import EXECUTE_STEP, steps_enqueue
from designer.engine.models import ACTIVE, Run, Status, StepRun
from designer.engine.scheduler import advance_locked, run_advance
from designer.engine.state import run_journal, step_transition
from designer.env import env_float, env_int

try:
    from dramatiq.brokers.redis import RedisBroker
    from redis.exceptions import ConnectionError as RedisConnectionError
except ImportError:  # pragma: no cover  (the redis package is optional)
    RedisBroker = None  # type: ignore[assignment,misc]
    RedisConnectionError = ConnectionError  # type: ignore[assignment,misc]

logger = logging.getLogger(__name__)


def step_recover(*, step: StepRun, why: str) -> None:
    """Re-queue a Running step whose worker is gone (attempt + 1), or fail it past the limit.

    step: the Running step. why: the cause, recorded in its reason or error.
    """
    now = timezone.now()
    match = {"attempt": step.attempt, "worker_id": step.worker_id}
    orphan_kill(step)
    with run_journal(step.run_id) as journal:
        if step.attempt <= settings.ENGINE_RETRY_LIMIT:
            requeued = step_transition(
                journal,
                step,
                from_=Status.RUNNING,
                to=Status.QUEUED,
                match=match,
                attempt=step.attempt + 1,
                worker_id="",
                pid=None,
                heartbeat_at=None,
                queued_at=now,
                send_after=now,
                started_at=None,
                reason=f"retry {step.attempt}: {why}",
            )
            if requeued:
                logger.warning(
                    "run %s step %s (%s): re-queued as attempt %s: %s",
                    step.run_id,
                    step.pk,
                    step.node_id,
                    step.attempt,
                    why,
                )
                sends = [(step.pk, step.queue)]
                transaction.on_commit(lambda: steps_enqueue(sends))
            return
        failed = step_transition(
            journal,
            step,
            from_=Status.RUNNING,
            to=Status.FAILED,
            match=match,
            ended_at=now,
            error=f"worker lost: {why}; gave up after {step.attempt} attempts",
        )
        if failed:
            logger.warning(
                "run %s step %s (%s): failed after %s attempts: %s",
                step.run_id,
                step.pk,
                step.node_id,
                step.attempt,
                why,
            )
            advance_locked(journal)  # Same transaction: downstream skipped, run settled.


def orphan_kill(step: StepRun) -> bool:
    """Kill the process group of a step whose worker process on this host is dead.

    A SIGKILLed worker's step subprocess (its own session) would run on, writing into an
    abandoned attempt folder. Only when the worker ran on this host, its process is gone,
    and the recorded pid is still a group leader started after the step was claimed (so
    a reused pid is left alone). Returns whether a group was killed.
    """
    host, _, rest = step.worker_id.partition(":")
    worker_pid = rest.partition(":")[0]
    if host != socket.gethostname() or not worker_pid.isdigit() or not step.pid:
        return False
    if _alive(int(worker_pid)) or not _started_for(step.pid, step.started_at):
        return False
    try:
        os.killpg(step.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    logger.warning(
        "run %s step %s (%s): killed the orphaned processes (group %s) of dead worker %s",
        step.run_id,
        step.pk,
        step.node_id,
        step.pid,
        step.worker_id,
    )
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return Path(f"/proc/{pid}/stat").exists() and _state(pid) != "Z"


def _state(pid: int) -> str:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text.rpartition(")")[2].split()[0]


def _started_for(pid: int, started_at: datetime | None) -> bool:
    """Is `pid` a process group leader that started after the step was claimed?"""
    if started_at is None:
        return False
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        boot = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration, ValueError):
        return False
    # Fields after the command: state(0) ppid(1) pgrp(2) ... starttime(19), in clock ticks.
    if int(fields[2]) != pid:
        return False
    began = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    return began >= started_at.timestamp() - 2.0


def steps_reap() -> int:
    """Recover every Running step whose heartbeat is older than ENGINE_REAPER_TIMEOUT."""
    timeout = settings.ENGINE_REAPER_TIMEOUT
    cutoff = timezone.now() - timedelta(seconds=timeout)
    stale = list(StepRun.objects.filter(status=Status.RUNNING, heartbeat_at__lt=cutoff))
    for step in stale:
        step_recover(step=step, why=f"no heartbeat from {step.worker_id} for {timeout:g} s")
    return len(stale)


# Settings read here rather than in designer/settings.py (they default from the env):
# CONVEYOR_REQUEUE_AFTER (s): a Queued step whose send is this much overdue and whose
# message the broker does not hold (RabbitMQ: age alone) is re-sent. The default depends
# on what the broker can tell: Redis shows every message it holds, so a short delay costs
# no duplicate; RabbitMQ cannot be asked, so a message waiting behind a backlog would get
# one; the embedded broker loses messages only with the process (the start-up sweep).
REQUEUE_AFTER_DEFAULTS = {"redis": 5.0, "rabbitmq": 60.0, "stub": 600.0}
REQUEUE_BATCH = 500
# CONVEYOR_BROKER_HEARTBEAT_TIMEOUT_MS: a Redis worker process silent this long is dead and
# the messages it fetched go back to their queue (Dramatiq's default is 60 s).
BROKER_HEARTBEAT_TIMEOUT_MS = 5000


def _broker_kind(broker: dramatiq.Broker) -> str:
    if isinstance(broker, StubBroker):
        return "stub"
    if RedisBroker is not None and isinstance(broker, RedisBroker):
        return "redis"
    return "rabbitmq"


def requeue_after(broker: dramatiq.Broker | None = None) -> float:
    """Seconds after which a Queued step the broker does not hold is re-sent."""
    configured = getattr(settings, "ENGINE_REQUEUE_AFTER", None)
    if configured is None:
        default = REQUEUE_AFTER_DEFAULTS[_broker_kind(broker or dramatiq.get_broker())]
        configured = env_float("CONVEYOR_REQUEUE_AFTER", default)
    return float(configured)


def broker_heartbeat_timeout_ms() -> int:
    return env_int(
        "CONVEYOR_BROKER_HEARTBEAT_TIMEOUT_MS",
        BROKER_HEARTBEAT_TIMEOUT_MS,
        minimum=1000,
        maximum=3_600_000,
    )


def broker_keepalive(broker: dramatiq.Broker) -> None:
    """Redis: beat this process's broker heartbeat and run the queues' maintenance.

    Dramatiq beats only when a consumer fetches, and a consumer holding its full prefetch
    (every thread busy with a long step) does not fetch; maintenance (returning a dead
    process's fetched messages) runs on a random 0.1 % of commands. Called about every
    second by each worker's reaper thread, so a dead process's messages come back within
    the heartbeat timeout plus a second, and a live one is never taken for dead.
    """
    if RedisBroker is None or not isinstance(broker, RedisBroker):
        return
    dispatch = broker.scripts["dispatch"]
    for queue in sorted(broker.get_declared_queues()):
        for name in (queue, f"{queue}.DQ"):
            args = [
                "qsize",
                current_millis(),
                name,
                broker.broker_id,
                broker.heartbeat_timeout,
                broker.dead_message_ttl,
                1,  # do maintenance
                broker._max_unpack_size(),
            ]
            dispatch(args=args, keys=[broker.namespace])


def broker_step_ids(broker: dramatiq.Broker, queues: set[str]) -> set[int] | None:
    """Step ids of the execute_step messages the broker still holds, or None if unknown.

    Redis: every message of the queue hash and its delay queue's (waiting, fetched by a
    consumer and not yet acknowledged, or waiting for a retry). The stub broker
    (embedded): the waiting messages (a message a worker prefetched is not seen;
    re-sending it is harmless). RabbitMQ cannot be inspected.
    """
    found: set[int] = set()
    encoded: list[bytes] = []
    names = {name for queue in queues for name in (queue, f"{queue}.DQ")}
    if isinstance(broker, StubBroker):
        for queue in names:
            held = broker.queues.get(queue)
            if held is not None:
                encoded += list(held.queue)
    elif RedisBroker is not None and isinstance(broker, RedisBroker):
        for queue in names:
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

    A step qualifies once its send (`send_after`, the outbox record written with the
    Queued status) is CONVEYOR_REQUEUE_AFTER seconds overdue and the broker does not hold
    its message (`broker_step_ids`; on RabbitMQ, which cannot be asked, the age alone
    decides). `send_after` is moved to now with a conditional update first, so of several
    reapers only one re-sends, at most once per period. A duplicate message is harmless:
    the claim is conditional.
    """
    broker = broker or dramatiq.get_broker()
    now = timezone.now()
    cutoff = now - timedelta(seconds=requeue_after(broker))
    stale = list(
        StepRun.objects.filter(status=Status.QUEUED, send_after__lt=cutoff)
        .order_by("send_after")
        .values_list("id", "run_id", "node_id", "queue", "send_after")[:REQUEUE_BATCH]
    )
    if not stale:
        return 0
    held = broker_step_ids(broker, {queue for *_, queue, _ in stale})
    sends = []
    for step_id, run_id, node_id, queue, send_after in stale:
        if held is not None and step_id in held:
            continue
        claimed = StepRun.objects.filter(
            pk=step_id, status=Status.QUEUED, send_after=send_after
        ).update(send_after=now)
        if claimed:
            logger.warning(
                "run %s step %s (%s): re-sent; due since %s and %s",
                run_id,
                step_id,
                node_id,
                send_after,
                "the broker does not hold it" if held is not None else "not started yet",
            )
            sends.append((step_id, queue))
    steps_enqueue(sends)
    return len(sends)


def engine_recover_at_start() -> None:
    """Embedded start-up: nothing from before the restart is in flight any more.

    Running steps are recovered (retried), queued steps are sent again (a duplicate
    message is harmless: the claim is conditional), and every active run is advanced.
    """
    for step in StepRun.objects.filter(status=Status.RUNNING):
        step_recover(step=step, why="the server restarted while it ran")
    queued = list(
        StepRun.objects.filter(status=Status.QUEUED).values_list("id", "run_id", "node_id", "queue")
    )
    for step_id, run_id, node_id, _ in queued:
        logger.warning(
            "run %s step %s (%s): re-sent; the server restarted while it was queued",
            run_id,
            step_id,
            node_id,
        )
    steps_enqueue([(step_id, queue) for step_id, _, _, queue in queued])
    for run_id in Run.objects.filter(status__in=list(ACTIVE)).values_list("id", flat=True):
        logger.info("run %s: advanced after the server restarted", run_id)
        run_advance(run_id=run_id)


class Reaper(threading.Thread):
    """Every worker's recovery thread, until stopped.

    About every second: the broker keep-alive (Redis) and the lost-message sweep; every
    ENGINE_REAPER_INTERVAL seconds: `steps_reap`. A database or broker outage is logged
    and retried on the next tick.
    """

    def __init__(self, broker: dramatiq.Broker | None = None) -> None:
        super().__init__(name="conveyor-reaper", daemon=True)
        self.stopped = threading.Event()
        self.broker = broker
        self.db_down = False

    def run(self) -> None:
        tick = min(1.0, settings.ENGINE_REAPER_INTERVAL)
        next_reap = time.monotonic() + settings.ENGINE_REAPER_INTERVAL
        broker = self.broker or dramatiq.get_broker()
        while not self.stopped.wait(tick):
            self._guarded("the broker keep-alive", lambda: broker_keepalive(broker))
            close_old_connections()
            was_down = self.db_down
            self._guarded("the lost-message sweep", lambda: steps_requeue_lost(broker=broker))
            if was_down and not self.db_down:
                # Nobody could beat a heartbeat while the database was away: give every
                # worker a full timeout to beat again before anything counts as lost.
                logger.warning("the database is back; reaping resumes after one timeout")
                next_reap = time.monotonic() + settings.ENGINE_REAPER_TIMEOUT
            if time.monotonic() >= next_reap and not self.db_down:
                next_reap = time.monotonic() + settings.ENGINE_REAPER_INTERVAL
                self._guarded("the reaper", steps_reap)

    def _guarded(self, what: str, action: Callable[[], object]) -> None:
        try:
            action()
        except (OperationalError, InterfaceError) as exc:
            self.db_down = True
            logger.warning("%s cannot reach the database (%s); it will try again", what, exc)
        except (BrokerConnectionError, ConnectionError, RedisConnectionError) as exc:
            logger.warning("%s cannot reach the broker (%s); it will try again", what, exc)
        except Exception:
            logger.exception("%s failed; it will try again", what)
        else:
            if what != "the broker keep-alive":
                self.db_down = False

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)
