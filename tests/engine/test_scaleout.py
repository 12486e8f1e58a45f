"""Scale-out for real: PostgreSQL, Redis or RabbitMQ, two `rundramatiq` worker processes."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.cluster import Cluster, fresh_postgres
from tests.factories import document, edge, node

pytestmark = [pytest.mark.live, pytest.mark.postgres]


@pytest.fixture
def database(postgres_url: str) -> Iterator[str]:
    url, drop = fresh_postgres(postgres_url)
    yield url
    drop()


def start(database: str, broker: str, home: Path, workers: int) -> Cluster:
    cluster = Cluster(database_url=database, broker_url=broker, home=home)
    cluster.driver("setup")
    for _ in range(workers):
        cluster.start_worker()
    return cluster


@pytest.fixture
def redis_cluster(database: str, redis_url: str, tmp_path: Path) -> Iterator[Cluster]:
    cluster = start(database, redis_url, tmp_path, workers=2)
    yield cluster
    cluster.stop()


DIAMOND = document(
    [
        node("top", "t_echo@1", text="top"),
        node("left", "t_echo@1", text="L"),
        node("right", "t_echo@1", text="R"),
        node("bottom", "t_join@1"),
    ],
    [
        edge("top.out", "left.data"),
        edge("top.out", "right.data"),
        edge("left.out", "bottom.left"),
        edge("right.out", "bottom.right"),
    ],
)


@pytest.mark.redis
def test_runs_complete_on_two_worker_processes_and_a_rerun_is_reused(redis_cluster):
    # Sixteen half-second steps: more than one worker process holds unacknowledged at once
    # (Dramatiq prefetches twice its threads), so the second process must take some.
    fan = document([node(f"n{i}", "t_sleep@1", seconds=0.5 + i / 100) for i in range(16)], [])
    runs = [
        redis_cluster.driver("submit", name, json.dumps(doc))["run"]
        for name, doc in (("diamond", DIAMOND), ("fan", fan))
    ]
    results = [redis_cluster.driver("wait", str(run), "60") for run in runs]
    assert [r["status"] for r in results] == ["Completed", "Completed"]
    pids = {s["worker"].split(":")[1] for r in results for s in r["steps"].values()}
    assert len(pids) == 2, "both worker processes took steps"
    again = redis_cluster.driver("submit", "diamond", json.dumps(DIAMOND))["run"]
    rerun = redis_cluster.driver("wait", str(again), "30")
    assert rerun["status"] == "Completed"
    assert all(s["reused"] for s in rerun["steps"].values())


@pytest.mark.redis
def test_a_worker_killed_mid_step_is_detected_and_the_step_reruns_elsewhere(redis_cluster):
    doc = document(
        [node("slow", "t_sleep@1", seconds=3), node("after", "t_echo@1")],
        [edge("slow.out", "after.data")],
    )
    run = redis_cluster.driver("submit", "kill", json.dumps(doc))["run"]
    deadline = time.monotonic() + 30
    step = redis_cluster.driver("step", str(run), "slow")
    while step["status"] != "Running" and time.monotonic() < deadline:
        time.sleep(0.2)
        step = redis_cluster.driver("step", str(run), "slow")
    victim = int(step["worker"].split(":")[1])
    os.kill(victim, signal.SIGKILL)
    result = redis_cluster.driver("wait", str(run), "60")
    assert result["status"] == "Completed", result["steps"]["after"]["error"]
    slow = result["steps"]["slow"]
    assert slow["attempt"] == 2
    assert int(slow["worker"].split(":")[1]) != victim


@pytest.mark.rabbitmq
def test_a_smoke_run_on_rabbitmq(database, amqp_url, tmp_path):
    cluster = start(database, amqp_url, tmp_path, workers=1)
    try:
        run = cluster.driver("submit", "rabbit", json.dumps(DIAMOND))["run"]
        result = cluster.driver("wait", str(run), "60")
    finally:
        cluster.stop()
    assert result["status"] == "Completed", result
