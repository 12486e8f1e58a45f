"""What one short step costs the engine: queries, run-lock transactions, broker polling.

Counts only (timings live in bench/scaleout_throughput.py): a fan-out of short steps is
limited by the work per step, and every worker process polls its queues.
"""

from __future__ import annotations

from typing import Any

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from dramatiq.message import Message

from designer.engine import events, monitor
from designer.engine.dispatch import DOORBELL_TOKENS, doorbell_key, doorbells_ring
from designer.engine.execution import Outcome, _finish, step_execute
from designer.engine.middleware import (
    DELAY_QUEUE_POLL_MS,
    consumers_wait_for_sends,
    delay_queues_poll_slowly,
    tune_worker,
)
from designer.engine.models import RunEvent, Status, StepRun
from designer.engine.monitor import StepMonitor
from designer.engine.submit import run_submit
from tests.factories import document, node

# A claim and a finish (each: BEGIN, run lock, step update, event insert, last_seq, COMMIT,
# and the finish's is-anything-active check), the select of the step and its log lines,
# which ride with the finish. Before: 19 (the last lines took a transaction of their own).
STEP_QUERIES = 14


@pytest.fixture
def broker() -> Any:
    broker = dramatiq.get_broker()
    broker.flush_all()
    yield broker
    broker.flush_all()


def queued(broker: Any) -> list[int]:
    ids = []
    for queue in list(broker.queues.values()):
        while not queue.empty():
            ids.append(Message.decode(queue.get_nowait()).args[0])
    return ids


def fan_out(make_version: Any, owner: Any, width: int) -> Any:
    nodes = [node(f"n{i}", "t_echo@1", text=f"t{i}") for i in range(width)]
    return run_submit(pipeline_version=make_version(document(nodes)), user=owner)


@pytest.fixture
def run_locks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The run ids locked by run_journal, in every thread (the monitor's too)."""
    from designer.engine import state

    locked: list[int] = []
    real = state.run_lock

    def counting(run_id: int) -> Any:
        locked.append(run_id)
        return real(run_id)

    monkeypatch.setattr(state, "run_lock", counting)
    return locked


@pytest.mark.django_db(transaction=True)
def test_a_short_step_of_a_fan_out_takes_the_run_lock_twice_and_a_bounded_number_of_queries(
    broker, make_version, owner, monkeypatch, run_locks, django_assert_max_num_queries
):
    # No batch comes due while the step runs (a loaded machine may take longer than one
    # period): its lines are all written with its finish.
    monkeypatch.setattr(StepMonitor, "tick", lambda self: None)
    run = fan_out(make_version, owner, 6)
    first, second, *_ = queued(broker)
    step_execute(step_run_id=first)  # plan and code path cached, as on a busy worker
    run_locks.clear()
    with django_assert_max_num_queries(STEP_QUERIES):
        step_execute(step_run_id=second)
    assert run_locks == [run.pk, run.pk], "the claim and the finish; no third for the log"
    step = StepRun.objects.get(pk=second)
    assert step.status == Status.COMPLETED
    kinds = [
        (e.type, e.payload.get("status"))
        for e in RunEvent.objects.filter(run=run, payload__step=second).order_by("seq")
    ]
    assert (events.STEP_LOG, None) in kinds, "its log lines were published"
    finished = kinds.index((events.STEP_STATUS, Status.COMPLETED))
    assert kinds[finished - 1] == (events.STEP_LOG, None), "the last lines, then the finish"


@pytest.mark.django_db(transaction=True)
def test_the_last_log_lines_are_journaled_with_the_finish_in_one_transaction(
    broker, make_version, owner, run_locks
):
    run = fan_out(make_version, owner, 2)
    step = StepRun.objects.get(run=run, node_id="n0")
    StepRun.objects.filter(pk=step.pk).update(status=Status.RUNNING, worker_id="w")
    step.status, step.worker_id = Status.RUNNING, "w"
    watcher = StepMonitor(step)
    watcher.line("stdout", "done")
    watcher.stop(flush=False)
    assert not RunEvent.objects.filter(run=run, type=events.STEP_LOG).exists()
    before = RunEvent.objects.filter(run=run).count()
    run_locks.clear()
    _finish(step, Outcome(Status.FAILED, error="exit 1", exit_code=1), watcher)
    assert run_locks == [run.pk]
    log, status = RunEvent.objects.filter(run=run, seq__gt=before).order_by("seq")[:2]
    assert (log.type, log.payload["lines"]) == (events.STEP_LOG, [["stdout", "done"]])
    assert (status.type, status.payload["status"]) == (events.STEP_STATUS, Status.FAILED)
    assert status.seq == log.seq + 1


@pytest.mark.django_db(transaction=True)
def test_the_monitor_publishes_a_steps_first_lines_one_batch_period_after_it_started(
    broker, make_version, owner, monkeypatch
):
    clock = [1000.0]
    monkeypatch.setattr(monitor.time, "monotonic", lambda: clock[0])
    run = fan_out(make_version, owner, 1)
    step = StepRun.objects.get(run=run)
    watcher = StepMonitor(step)
    watcher.line("stdout", "early")
    watcher.tick()
    assert not RunEvent.objects.filter(run=run, type=events.STEP_LOG).exists()
    clock[0] += monitor.LOG_BATCH_SECONDS
    watcher.tick()
    log = RunEvent.objects.get(run=run, type=events.STEP_LOG)
    assert log.payload["lines"] == [["stdout", "early"]]
    watcher.line("stdout", "later")
    watcher.tick()  # from then on, every tick publishes what came
    assert RunEvent.objects.filter(run=run, type=events.STEP_LOG).count() == 2


def test_delay_queue_consumers_poll_slowly_and_compute_queues_keep_the_worker_timeout():
    broker = StubBroker()
    broker.declare_queue("cpu")
    delay_queues_poll_slowly(broker)
    delay_queues_poll_slowly(broker)  # idempotent: wrapped once
    assert broker.consume("cpu", prefetch=1, timeout=5).timeout == 5
    assert broker.consume("cpu.DQ", prefetch=1, timeout=5).timeout == DELAY_QUEUE_POLL_MS
    assert broker.consume("cpu.DQ", prefetch=1, timeout=5000).timeout == 5000


@pytest.mark.redis
def test_a_redis_worker_polls_its_delay_queue_slowly(redis_url, settings):
    import time
    import uuid

    from dramatiq.brokers.redis import RedisBroker

    settings.ENGINE_WORKER_TIMEOUT_MS = 5
    broker = RedisBroker(url=redis_url, namespace=f"conveyor-test-{uuid.uuid4().hex[:8]}")
    broker.declare_queue("cpu")
    worker = dramatiq.Worker(broker, worker_threads=1)
    tune_worker(worker)
    delay_queues_poll_slowly(broker)
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(
            getattr(worker.consumers.get(q), "consumer", None) for q in ("cpu", "cpu.DQ")
        ):
            time.sleep(0.01)
        assert worker.consumers["cpu"].consumer.timeout == 5
        assert worker.consumers["cpu.DQ"].consumer.timeout == DELAY_QUEUE_POLL_MS
    finally:
        worker.stop()
        broker.flush_all()
        broker.close()


@pytest.fixture
def redis_broker(redis_url: str) -> Any:
    import uuid

    from dramatiq.brokers.redis import RedisBroker

    broker = RedisBroker(url=redis_url, namespace=f"conveyor-test-{uuid.uuid4().hex[:8]}")
    broker.declare_queue("cpu")
    yield broker
    broker.flush_all()
    broker.client.delete(doorbell_key(broker, "cpu"))
    broker.close()


@pytest.mark.redis
def test_sends_ring_the_queues_doorbell_once_per_message_up_to_a_cap(redis_broker):
    key = doorbell_key(redis_broker, "cpu")
    doorbells_ring({"cpu": 3}, redis_broker)
    assert redis_broker.client.llen(key) == 3
    doorbells_ring({"cpu": 500}, redis_broker)
    assert redis_broker.client.llen(key) == DOORBELL_TOKENS


@pytest.mark.redis
def test_an_idle_redis_worker_waits_on_the_doorbell_instead_of_polling_and_a_send_wakes_it(
    redis_broker, settings
):
    import threading
    import time

    settings.ENGINE_WORKER_TIMEOUT_MS = 5
    fetches: list[str] = []
    fetch = redis_broker.do_fetch

    def counted(queue_name: str, prefetch: int) -> Any:
        fetches.append(queue_name)
        return fetch(queue_name, prefetch)

    redis_broker.do_fetch = counted
    consumers_wait_for_sends(redis_broker)
    consumers_wait_for_sends(redis_broker)  # idempotent: wrapped once
    done = threading.Event()

    @dramatiq.actor(broker=redis_broker, queue_name="cpu", actor_name="bell_test")
    def bell_test() -> None:
        done.set()

    worker = dramatiq.Worker(redis_broker, worker_threads=1)
    tune_worker(worker)
    worker.start()
    try:
        time.sleep(1.0)
        # Polling every worker_timeout (5 ms) would be about 250 fetches in this second.
        assert fetches.count("cpu") <= 12, fetches.count("cpu")
        redis_broker.enqueue(bell_test.message())
        doorbells_ring({"cpu": 1}, redis_broker)
        assert done.wait(10), "the message sent was processed"
    finally:
        worker.stop()


@pytest.mark.redis
def test_a_redis_refusing_a_fractional_wait_gets_whole_seconds(redis_broker, monkeypatch):
    from redis.exceptions import ResponseError

    timeouts: list[float] = []

    def blpop(keys: list[str], timeout: float) -> None:
        timeouts.append(timeout)
        if timeout != int(timeout):
            raise ResponseError("timeout is not an integer or out of range")

    monkeypatch.setattr(redis_broker.client, "blpop", blpop)
    consumers_wait_for_sends(redis_broker)
    assert redis_broker.do_fetch("cpu", 1) == []
    assert redis_broker.do_fetch("cpu", 1) == []
    assert timeouts == [0.5, 1]
