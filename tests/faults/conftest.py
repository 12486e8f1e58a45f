"""Fault-injection fixtures: a scale-out cluster of supervised workers on real services."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.cluster import ROOT, Cluster, fresh_postgres

# Not the scale-out tests' Redis database (15): two sessions on one queue would take each
# other's messages.
FAULTS_REDIS_DB = 14


@pytest.fixture
def database(postgres_url: str) -> Iterator[str]:
    url, drop = fresh_postgres(postgres_url)
    yield url
    from tests.faults.services import postgres_start

    postgres_start()  # A fault test may have left it down if its restore failed.
    drop()


@pytest.fixture
def redis_broker(redis_url: str) -> str:
    return redis_url.rsplit("/", 1)[0] + f"/{FAULTS_REDIS_DB}"


def start_supervised(cluster: Cluster, queues: tuple[str, ...] = ("cpu",)) -> None:
    """A worker run by `manage.py worker`, which restarts rundramatiq when it dies."""
    log = (cluster.home / f"worker-{len(cluster.workers)}.log").open("wb")
    command = [sys.executable, "manage.py", "worker", "--threads", str(cluster.threads)]
    proc = subprocess.Popen(
        [*command, "--queues", *queues],
        cwd=ROOT,
        env=cluster.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    cluster.workers.append(proc)


# Step environments are built on a host's first use (tens of seconds): shared by the
# fault tests, and built before any fault, so only recovery is measured.
ENV_DIR = Path(tempfile.gettempdir()) / "conveyor-faults-envs"


def make_cluster(
    database: str, broker: str, home: Path, workers: int = 2, threads: int = 4
) -> Cluster:
    """Supervised workers on a fresh database, warmed up by one completed run."""
    from tests.faults.workload import SHAPE, submit, wait_done

    cluster = Cluster(
        database_url=database,
        broker_url=broker,
        home=home,
        threads=threads,
        driver_module="tests.faults.driver",
        CONVEYOR_LOG_LEVEL="INFO",
        CONVEYOR_ENV_DIR=str(ENV_DIR),
    )
    cluster.driver("setup")
    for _ in range(workers):
        start_supervised(cluster)
    warm = submit(cluster, 1, 0.0, {"s": SHAPE["s"]})
    wait_done(database, warm, ceiling=600)
    return cluster


@pytest.fixture
def redis_cluster(database: str, redis_broker: str, tmp_path: Path) -> Iterator[Cluster]:
    from tests.faults.services import redis_start

    cluster = make_cluster(database, redis_broker, tmp_path)
    yield cluster
    cluster.stop()
    redis_start()
