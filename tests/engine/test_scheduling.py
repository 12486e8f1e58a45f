"""The scheduler driven step by step, without worker threads: dispatch exactly once, in any
completion order; incremental advance; reuse inside submit; idempotence; lost messages."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import dramatiq
import pytest
from django.utils import timezone
from dramatiq.message import Message

from designer.engine.dispatch import EXECUTE_STEP
from designer.engine.execution import step_execute
from designer.engine.models import RunEvent, StepRun
from designer.engine.recovery import broker_step_ids, steps_requeue_lost
from designer.engine.scheduler import run_advance
from designer.engine.submit import run_rerun, run_submit
from tests.factories import document, edge, node, steps_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def empty_broker() -> Any:
    broker = dramatiq.get_broker()
    broker.flush_all()
    yield broker
    broker.flush_all()


def pending(broker: Any) -> list[int]:
    """Take every waiting execute_step message off the stub broker; their step ids."""
    ids = []
    for queue in list(broker.queues.values()):
        while not queue.empty():
            message = Message.decode(queue.get_nowait())
            assert message.actor_name == EXECUTE_STEP
            ids.append(message.args[0])
    return ids


def drive(broker: Any, seed: int) -> Counter[int]:
    """Execute queued steps one at a time in a random order until nothing is queued."""
    rng = random.Random(seed)
    sent: Counter[int] = Counter()
    waiting: list[int] = []
    while True:
        fresh = pending(broker)
        sent.update(fresh)
        waiting += fresh
        if not waiting:
            return sent
        step_execute(step_run_id=waiting.pop(rng.randrange(len(waiting))))


def wide() -> dict[str, Any]:
    """root -> 8 branches of 2 steps; two branches join; a separate root."""
    nodes = [node("root", "t_echo@1", text="r"), node("lone", "t_echo@1", text="l")]
    edges = []
    for i in range(8):
        nodes += [node(f"b{i}", "t_echo@1", text=f"b{i}"), node(f"c{i}", "t_echo@1", text=f"c{i}")]
        edges += [edge("root.out", f"b{i}.data"), edge(f"b{i}.out", f"c{i}.data")]
    nodes.append(node("join", "t_join@1"))
    edges += [edge("c0.out", "join.left"), edge("c7.out", "join.right")]
    return document(nodes, edges)


def assert_gap_free(run: Any) -> list[RunEvent]:
    events = list(RunEvent.objects.filter(run=run).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    run.refresh_from_db()
    assert run.last_seq == len(events)
    return events


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_step_is_dispatched_exactly_once_in_any_completion_order(
    empty_broker, make_version, owner, seed
):
    run = run_submit(pipeline_version=make_version(wide()), user=owner)
    sent = drive(empty_broker, seed)
    run.refresh_from_db()
    steps = steps_of(run)
    assert run.status == "Completed"
    assert all(s.status == "Completed" for s in steps.values())
    assert sorted(sent) == sorted(s.pk for s in steps.values())
    assert set(sent.values()) == {1}, "no step was sent twice"
    events = assert_gap_free(run)
    queued = Counter(
        e.payload["node"]
        for e in events
        if e.type == "step.status" and e.payload["status"] == "Queued"
    )
    assert set(queued.values()) == {1} and len(queued) == len(steps)


def test_advancing_again_changes_nothing(empty_broker, make_version, owner):
    run = run_submit(pipeline_version=make_version(wide()), user=owner)
    first = pending(empty_broker)
    run.refresh_from_db()
    seq = run.last_seq
    for _ in range(3):
        run_advance(run_id=run.pk)
    run.refresh_from_db()
    assert run.last_seq == seq and pending(empty_broker) == []
    assert sorted(run.steps.filter(status="Queued").values_list("node_id", flat=True)) == [
        "lone",
        "root",
    ]
    assert sorted(first) == sorted(run.steps.filter(status="Queued").values_list("id", flat=True))


def test_a_fully_reusable_rerun_is_completed_when_submit_returns(empty_broker, make_version, owner):
    first = run_submit(pipeline_version=make_version(wide()), user=owner)
    drive(empty_broker, 0)
    again = run_rerun(run=first, user=owner)
    assert again.status == "Completed"
    assert pending(empty_broker) == []
    steps, originals = steps_of(again), steps_of(first)
    for name, step in steps.items():
        assert step.reused and step.reused_from_id == originals[name].pk
        assert step.reason == f"reused from run {first.pk}"
        assert step.outputs == originals[name].outputs
    events = assert_gap_free(again)
    outputs = [e for e in events if e.type == "step.output"]
    assert len(outputs) == len(steps)
    # A third run still points at the original producers, not at the second run.
    third = run_rerun(run=again, user=owner)
    assert {s.reused_from_id for s in steps_of(third).values()} == {
        s.pk for s in originals.values()
    }


def test_a_changed_node_reruns_with_its_downstream_while_the_rest_is_reused(
    empty_broker, make_version, owner
):
    doc = wide()
    first = run_submit(pipeline_version=make_version(doc), user=owner)
    drive(empty_broker, 0)
    doc["nodes"][2]["inputs"]["text"] = {"value": "changed"}  # b0
    second = run_submit(pipeline_version=make_version(doc), user=owner)
    queued = {s.node_id: s for s in second.steps.filter(status="Queued")}
    assert set(queued) == {"b0"}
    assert queued["b0"].reason == "parameter text changed"
    drive(empty_broker, 0)
    second.refresh_from_db()
    steps = steps_of(second)
    assert second.status == "Completed"
    ran = {name for name, s in steps.items() if not s.reused}
    assert ran == {"b0", "c0", "join"}
    assert steps["c0"].reason == "input data changed"
    assert steps["b1"].reason == f"reused from run {first.pk}"
    assert_gap_free(second)


def test_a_failure_skips_every_step_not_yet_started(empty_broker, make_version, owner):
    doc = document(
        [
            node("a", "t_fail@1"),
            node("b", "t_echo@1"),
            node("c", "t_echo@1"),
            node("d", "t_echo@1"),
        ],
        [edge("a.out", "b.data"), edge("c.out", "d.data")],
    )
    run = run_submit(pipeline_version=make_version(doc), user=owner)
    ids = {s.node_id: s.pk for s in run.steps.all()}
    assert sorted(pending(empty_broker)) == sorted([ids["a"], ids["c"]])
    step_execute(step_run_id=ids["a"])  # fails: d (waiting on c) is skipped too
    steps = steps_of(run)
    assert steps["b"].status == "Skipped" and "upstream 'a' failed" in steps["b"].reason
    assert steps["d"].status == "Skipped" and "continue_on_step_failure" in steps["d"].reason
    step_execute(step_run_id=ids["c"])
    run.refresh_from_db()
    assert run.status == "Failed" and run.error == "failed steps: a"
    assert steps_of(run)["c"].status == "Completed"
    assert pending(empty_broker) == []
    assert_gap_free(run)


def test_the_reaper_resends_a_queued_step_whose_message_was_lost(
    empty_broker, make_version, owner, settings
):
    settings.ENGINE_REQUEUE_AFTER = 60
    doc = document([node("a", "t_echo@1"), node("b", "t_echo@1", text="b")])
    run = run_submit(pipeline_version=make_version(doc), user=owner)
    assert steps_requeue_lost() == 0, "young steps are left alone"
    old = timezone.now() - timedelta(minutes=5)
    StepRun.objects.filter(run=run).update(send_after=old)
    assert steps_requeue_lost() == 0, "their messages are still in the broker"
    lost = run.steps.get(node_id="b")
    kept = [
        m for m in map(Message.decode, empty_broker.queues["cpu"].queue) if m.args[0] != lost.pk
    ]
    empty_broker.flush_all()
    for message in kept:
        empty_broker.enqueue(message)
    assert steps_requeue_lost() == 1
    assert steps_requeue_lost() == 0, "re-sent once, send_after moved on"
    assert sorted(pending(empty_broker)) == sorted(run.steps.values_list("id", flat=True))
    lost.refresh_from_db()
    assert lost.send_after > old


def test_on_a_broker_that_cannot_be_inspected_age_alone_decides(
    empty_broker, make_version, owner, settings, monkeypatch
):
    settings.ENGINE_REQUEUE_AFTER = 60
    monkeypatch.setattr("designer.engine.recovery.broker_step_ids", lambda broker, queues: None)
    run = run_submit(pipeline_version=make_version(document([node("a", "t_echo@1")])), user=owner)
    StepRun.objects.filter(run=run).update(send_after=timezone.now() - timedelta(minutes=5))
    assert steps_requeue_lost() == 1
    step_id = run.steps.get().pk
    assert pending(empty_broker) == [step_id, step_id]  # the duplicate is harmless:
    step_execute(step_run_id=step_id)
    step_execute(step_run_id=step_id)
    run.refresh_from_db()
    assert run.status == "Completed" and run.steps.get().attempt == 1


@pytest.mark.redis
def test_redis_messages_waiting_or_unacknowledged_are_seen(redis_url):
    from dramatiq.brokers.redis import RedisBroker

    broker = RedisBroker(url=redis_url, namespace=f"conveyor-test-{uuid.uuid4().hex[:8]}")
    try:
        broker.declare_queue("cpu")
        for step_id in (41, 42):
            broker.enqueue(Message("cpu", EXECUTE_STEP, (step_id,), {}, {}))
        broker.enqueue(Message("cpu", "something_else", (43,), {}, {}))
        assert broker_step_ids(broker, {"cpu"}) == {41, 42}
        consumer = broker.consume("cpu", prefetch=1, timeout=100)
        fetched = next(consumer)
        assert fetched is not None  # fetched, not acknowledged: still held
        assert broker_step_ids(broker, {"cpu"}) == {41, 42}
        consumer.ack(fetched)
        assert broker_step_ids(broker, {"cpu"}) == {42}
        consumer.close()
    finally:
        broker.flush_all()
        broker.close()
