"""A database restart or killed connections mid-run: no false failure, no step run twice."""

from __future__ import annotations

import time

import psycopg
import pytest

from tests.faults.services import postgres_restart
from tests.faults.workload import outcome, submit, wait_done, wait_running

pytestmark = [pytest.mark.live, pytest.mark.postgres, pytest.mark.faults, pytest.mark.redis]

STALL_CEILING = 45.0


def test_a_postgres_restart_mid_run_fails_nothing_and_runs_no_step_twice(redis_cluster, database):
    runs = submit(redis_cluster, 3, 0.5)
    wait_running(database, runs, at_least=2)
    fault_at = time.time()
    back_at = postgres_restart(outage=3.0)
    wait_done(database, runs, ceiling=120)
    result = outcome(database, runs, since=fault_at)
    print(f"postgres restart: outage {back_at - fault_at:.1f} s, stall {result.stall:.1f} s")
    result.assert_correct(redis_cluster.home / "artifacts")
    assert result.stall < STALL_CEILING


def test_connections_killed_while_steps_run_do_not_fail_their_steps(
    redis_cluster, database, postgres_url
):
    runs = submit(redis_cluster, 3, 1.0)
    name = database.rsplit("/", 1)[1]
    fault_at = time.time()
    killed = 0
    # Kill every connection of the cluster's database a few times while steps run and
    # finish, so some recordings meet a dead connection.
    for _ in range(4):
        wait_running(database, runs, at_least=1)
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            ).fetchall()
        killed += len(rows)
        time.sleep(0.9)
    wait_done(database, runs, ceiling=120)
    result = outcome(database, runs, since=fault_at)
    print(f"pg_terminate_backend: {killed} connections killed, stall {result.stall:.1f} s")
    assert killed > 0
    result.assert_correct(redis_cluster.home / "artifacts")
    assert result.stall < STALL_CEILING
