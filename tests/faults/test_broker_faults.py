"""A broker restarted mid-run costs seconds: lost messages are re-sent, failed sends retried."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.faults.conftest import make_cluster
from tests.faults.services import rabbitmq_restart, rabbitmq_start, redis_restart
from tests.faults.workload import outcome, submit, wait_done, wait_running

pytestmark = [pytest.mark.live, pytest.mark.postgres, pytest.mark.faults]

# Generous ceilings (not speed assertions): the longest time without any step completing.
STALL_CEILING = 45.0


@pytest.mark.redis
def test_a_redis_restart_mid_run_loses_no_step_and_runs_none_twice(redis_cluster, database):
    runs = submit(redis_cluster, 3, 0.5)
    wait_running(database, runs, at_least=2)
    fault_at = time.time()
    back_at = redis_restart(outage=3.0)
    took = wait_done(database, runs, ceiling=120)
    result = outcome(database, runs, since=fault_at)
    print(f"redis restart: outage {back_at - fault_at:.1f} s, longest stall {result.stall:.1f} s")
    result.assert_correct(redis_cluster.home / "artifacts")
    assert result.stall < STALL_CEILING, f"stalled {result.stall:.1f} s (took {took:.1f} s)"


@pytest.mark.rabbitmq
def test_a_rabbitmq_restart_mid_run_loses_no_step_and_runs_none_twice(
    database, amqp_url, tmp_path: Path
):
    cluster = make_cluster(database, amqp_url, tmp_path, workers=1)
    try:
        runs = submit(cluster, 2, 0.5)
        wait_running(database, runs, at_least=2)
        fault_at = time.time()
        back_at = rabbitmq_restart()
        wait_done(database, runs, ceiling=180)
        result = outcome(database, runs, since=fault_at)
    finally:
        cluster.stop()
        rabbitmq_start()
    print(f"rabbitmq restart: outage {back_at - fault_at:.1f} s, stall {result.stall:.1f} s")
    result.assert_correct(tmp_path / "artifacts")
    assert result.stall < (back_at - fault_at) + STALL_CEILING
