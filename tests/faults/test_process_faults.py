"""Processes killed with SIGKILL: a worker (supervised) and the web process mid-burst.

The embedded server's SIGKILL and restart is tests/engine/test_server_restart.py.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from conveyor.client import ApiError, Client
from tests.faults.workload import (
    document,
    outcome,
    query,
    submit,
    wait_done,
    wait_running,
)
from tests.support.server import ConveyorServer

pytestmark = [pytest.mark.live, pytest.mark.postgres, pytest.mark.faults, pytest.mark.redis]

STALL_CEILING = 45.0


def test_a_worker_process_killed_mid_step_is_replaced_and_its_steps_rerun_once(
    redis_cluster, database
):
    runs = submit(redis_cluster, 3, 1.5)
    wait_running(database, runs, at_least=2)
    rows = query(
        database,
        "SELECT run_id, node_id, worker_id FROM engine_steprun"
        " WHERE run_id = ANY(%s) AND status = 'Running'",
        (runs,),
    )
    victim = int(rows[0][2].split(":")[1])
    killed = {(run, node) for run, node, worker in rows if int(worker.split(":")[1]) == victim}
    fault_at = time.time()
    os.kill(victim, signal.SIGKILL)
    wait_done(database, runs, ceiling=120)
    result = outcome(database, runs, since=fault_at)
    print(f"worker kill -9: {len(killed)} steps lost their worker, stall {result.stall:.1f} s")
    result.assert_correct(redis_cluster.home / "artifacts", retried=frozenset(killed))
    for key in killed:
        step = result.steps[key]
        assert step["attempt"] == 2, (key, step)
    assert all(proc.poll() is None for proc in redis_cluster.workers), "supervisors still up"
    logs = "".join(p.read_text() for p in redis_cluster.home.glob("worker-*.log"))
    assert "restarting it" in logs
    assert result.stall < STALL_CEILING


def test_a_web_process_killed_during_a_submit_burst_starts_each_run_exactly_once(
    redis_cluster, database, redis_broker
):
    env = {
        "DATABASE_URL": database,
        "CONVEYOR_BROKER_URL": redis_broker,
        "CONVEYOR_SECRET_KEY": "scale-out-tests",
        "CONVEYOR_LOG_LEVEL": "WARNING",
    }
    home: Path = redis_cluster.home
    server = ConveyorServer(home=home, env_extra=env).start()
    try:
        client = Client(server.url, redis_cluster.driver("token")["token"])
        saved = client.pipeline_save(document(0.3), message="burst")
        answers: dict[int, Any] = {}

        def one(index: int) -> None:
            try:
                answers[index] = client.submit(
                    saved["pipeline"], version=saved["version"], settings={"force_rerun": True}
                )["id"]
            except ApiError as exc:
                answers[index] = exc

        before = query(database, "SELECT coalesce(max(id), 0) FROM engine_run")[0][0]
        threads = [threading.Thread(target=one, args=(i,)) for i in range(16)]
        for thread in threads:
            thread.start()
        sql = f"SELECT count(*) FROM engine_run WHERE id > {int(before)}"
        deadline = time.monotonic() + 30
        while query(database, sql)[0][0] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        fault_at = time.time()
        server.stop(signal.SIGKILL)
        server = ConveyorServer(home=home, env_extra=env, port=server.port).start()
        restarted = time.time() - fault_at
        for thread in threads:
            thread.join(timeout=60)
    finally:
        server.stop()
    failures = {i: a for i, a in answers.items() if isinstance(a, Exception)}
    assert not failures, f"clients without an answer (web back after {restarted:.1f} s): {failures}"
    runs = sorted(answers.values())
    assert len(set(runs)) == 16, "each client got its own run"
    assert query(database, sql)[0][0] == 16, "no duplicate run"
    wait_done(database, runs, ceiling=120)
    result = outcome(database, runs, since=fault_at)
    print(f"web kill -9 in a burst: back after {restarted:.1f} s, 16 answers, 16 runs")
    result.assert_correct(home / "artifacts")
