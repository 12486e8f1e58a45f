"""Durability pieces one by one: the send outbox, database-error retries, orphan kills,
cancel reasons, engine-error tracebacks and recovery log lines."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import dramatiq
import pytest
from django.db import IntegrityError, OperationalError
from django.utils import timezone

from designer.engine import dispatch
from designer.engine.execution import _canceled_reason, step_execute
from designer.engine.models import StepRun
from designer.engine.recovery import orphan_kill, requeue_after, step_recover
from designer.engine.submit import run_cancel, run_submit
from designer.engine.tasks import retry_when
from tests.factories import document, node, wait_run, wait_step


def test_database_errors_are_retried_and_step_failures_are_not():
    assert retry_when(0, OperationalError("server closed the connection"))
    assert not retry_when(0, RuntimeError("a bug"))
    assert not retry_when(0, IntegrityError("not transient"))
    assert not retry_when(1000, OperationalError("still down after all retries"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.redis
def test_a_send_the_broker_refuses_is_retried_until_the_broker_is_back(
    monkeypatch, redis_url, tmp_path
):
    from dramatiq.brokers.redis import RedisBroker

    from designer.engine.recovery import broker_step_ids

    port = free_port()  # A private Redis, so the shared one is never touched.
    broker = RedisBroker(url=f"redis://127.0.0.1:{port}/0", namespace=f"t-{uuid.uuid4().hex[:6]}")
    broker.add_middleware(dramatiq.middleware.Retries())
    monkeypatch.setattr(dramatiq, "get_broker", lambda: broker)
    monkeypatch.setattr(dispatch._Outbox, "FIRST", 0.05)
    outbox = dispatch._Outbox()
    monkeypatch.setattr(dispatch, "_OUTBOX", outbox)
    dispatch.steps_enqueue([(7, "cpu"), (8, "cpu")])  # Refused: nothing listens yet.
    assert outbox.pending() == 2, "kept for a retry, not raised into the committed caller"
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while outbox.pending() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert outbox.pending() == 0
        assert broker_step_ids(broker, {"cpu"}) == {7, 8}
    finally:
        server.terminate()
        server.wait()
        broker.close()


def test_the_lost_message_sweep_waits_seconds_on_redis_and_long_on_the_embedded_broker(
    monkeypatch, settings
):
    from dramatiq.brokers.redis import RedisBroker
    from dramatiq.brokers.stub import StubBroker

    settings.ENGINE_REQUEUE_AFTER = None
    monkeypatch.delenv("CONVEYOR_REQUEUE_AFTER", raising=False)
    assert requeue_after(RedisBroker(url="redis://127.0.0.1:1/0")) == 5.0
    assert requeue_after(StubBroker()) == 600.0


def sleeper_group() -> subprocess.Popen[bytes]:
    return subprocess.Popen(["sleep", "60"], start_new_session=True)


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def fake_step(worker_pid: int, pid: int) -> Any:
    return SimpleNamespace(
        pk=1,
        run_id=1,
        node_id="n",
        worker_id=f"{socket.gethostname()}:{worker_pid}:Thread-1",
        pid=pid,
        started_at=timezone.now() - timedelta(seconds=1),
    )


def test_the_step_processes_of_a_dead_worker_on_this_host_are_killed():
    orphan = sleeper_group()
    try:
        assert orphan_kill(fake_step(dead_pid(), orphan.pid))
        assert orphan.wait(timeout=5) == -signal.SIGKILL
    finally:
        orphan.kill()


def test_the_step_processes_of_a_live_worker_or_an_older_process_are_left_alone():
    group = sleeper_group()
    try:
        assert not orphan_kill(fake_step(os.getpid(), group.pid)), "its worker is alive"
        late = fake_step(dead_pid(), group.pid)
        late.started_at = timezone.now() + timedelta(minutes=5)
        assert not orphan_kill(late), "started before the step: a reused pid"
        assert group.poll() is None
    finally:
        group.kill()
        group.wait()


def test_a_cancel_that_meets_exit_code_0_says_why_the_step_is_canceled():
    result = SimpleNamespace(exit_code=0)
    reason = _canceled_reason(result)  # type: ignore[arg-type]
    assert "run was canceled" in reason and "exited with code 0" in reason
    assert "signal 15" in _canceled_reason(SimpleNamespace(exit_code=-15))  # type: ignore[arg-type]


@pytest.mark.django_db(transaction=True)
def test_a_step_stopped_by_a_cancel_is_canceled_with_its_reason_and_exit_code(
    embedded, make_version, owner
):
    run = run_submit(
        pipeline_version=make_version(document([node("g", "t_graceful@1", seconds=30)])),
        user=owner,
    )
    wait_step(run, "g", "Running")
    time.sleep(0.5)  # Its TERM trap is installed.
    run_cancel(run=run)
    wait_run(run)
    step = run.steps.get()
    assert step.status == "Canceled"
    assert "run was canceled" in step.error
    # Bare, the trap exits 0; in the sandbox the signal may reach the wrapper first.
    expected = "exited with code 0" if step.exit_code == 0 else f"signal {-step.exit_code}"
    assert expected in step.error, (step.exit_code, step.error)


@pytest.mark.django_db(transaction=True)
def test_an_engine_error_fails_the_step_with_its_traceback_in_the_step_log(
    make_version, owner, monkeypatch, settings
):
    dramatiq.get_broker().flush_all()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("an engine bug")

    monkeypatch.setattr("designer.engine.execution._execute", broken)
    run = run_submit(pipeline_version=make_version(document([node("e", "t_echo@1")])), user=owner)
    step_execute(step_run_id=run.steps.get().pk)
    step = run.steps.get()
    assert step.status == "Failed" and "engine error: RuntimeError" in step.error
    log = (Path(settings.ARTIFACTS_DIR) / step.log_path).read_text()
    assert "Traceback" in log and "an engine bug" in log
    dramatiq.get_broker().flush_all()


@pytest.mark.django_db(transaction=True)
def test_a_recovered_step_is_logged_with_its_run_step_and_reason(make_version, owner, caplog):
    dramatiq.get_broker().flush_all()
    run = run_submit(pipeline_version=make_version(document([node("e", "t_echo@1")])), user=owner)
    StepRun.objects.filter(run=run).update(status="Running", worker_id="gone:1:t")
    step = run.steps.get()
    with caplog.at_level(logging.WARNING, logger="designer.engine.recovery"):
        step_recover(step=step, why="no heartbeat for 30 s")
    line = next(r.getMessage() for r in caplog.records if "re-queued" in r.getMessage())
    assert f"run {run.pk} step {step.pk} (e)" in line and "no heartbeat" in line
    step.refresh_from_db()
    assert step.status == "Queued" and step.attempt == 2 and step.send_after is not None
    dramatiq.get_broker().flush_all()


@pytest.mark.django_db(transaction=True)
def test_a_submit_while_the_broker_is_down_answers_201_and_keeps_the_send(
    api, make_version, monkeypatch
):
    from dramatiq.brokers.redis import RedisBroker

    broker = RedisBroker(url=f"redis://127.0.0.1:{free_port()}/0")  # Nothing listens there.
    monkeypatch.setattr(dramatiq, "get_broker", lambda: broker)
    outbox = dispatch._Outbox()
    monkeypatch.setattr(dispatch, "_OUTBOX", outbox)
    monkeypatch.setattr(dispatch._Outbox, "_run", lambda self: None)  # Keep it pending.
    version = make_version(document([node("e", "t_echo@1")]))
    response = api.post("/api/runs/", {"pipeline": version.pipeline_id}, format="json")
    assert response.status_code == 201, response.content
    step = StepRun.objects.get(run_id=response.json()["id"])
    assert step.status == "Queued" and step.send_after is not None
    assert outbox.pending() == 1, "the send waits in the outbox, the run exists"
