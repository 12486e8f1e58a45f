"""Stopping and starting the shared services for fault tests; always brought back up.

Other test sessions use the same services: outages are kept to a few seconds, and every
fault restores its service in a `finally` and waits until it answers again.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
]


def _pg_cluster() -> list[str]:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[0]
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), 1):
            return True
    except OSError:
        return False


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout:g} s")


def _run(command: list[str], timeout: float = 60) -> None:
    subprocess.run(command, check=False, capture_output=True, timeout=timeout)


def redis_ok() -> bool:
    done = subprocess.run(["redis-cli", "-p", "6379", "ping"], capture_output=True, check=False)
    return done.stdout.strip() == b"PONG"


def redis_start() -> None:
    if not redis_ok():
        _run(REDIS_START)
    wait_until(redis_ok, 30, "Redis answering")


def redis_restart(outage: float = 3.0) -> float:
    """Stop Redis (its data is lost: no persistence), wait, start it; when it is back."""
    try:
        _run(["redis-cli", "-p", "6379", "shutdown", "nosave"])
        wait_until(lambda: not port_open(6379), 10, "Redis stopping")
        time.sleep(outage)
    finally:
        redis_start()
    return time.time()


def postgres_ok() -> bool:
    done = subprocess.run(
        ["pg_isready", "-h", "127.0.0.1", "-p", "5432"], capture_output=True, check=False
    )
    return done.returncode == 0


def postgres_start() -> None:
    if not postgres_ok():
        _run([*_pg_cluster(), "start"])
    wait_until(postgres_ok, 60, "PostgreSQL answering")


def postgres_restart(outage: float = 3.0) -> float:
    """Stop PostgreSQL (fast: connections are cut), wait, start it; when it is back."""
    try:
        _run([*_pg_cluster(), "stop", "-m", "fast"])
        time.sleep(outage)
    finally:
        postgres_start()
    return time.time()


def rabbitmq_ok() -> bool:
    done = subprocess.run(
        ["rabbitmqctl", "-q", "status"], capture_output=True, check=False, timeout=60
    )
    return done.returncode == 0 and port_open(5672)


def rabbitmq_start() -> None:
    if not port_open(5672):
        subprocess.Popen(
            ["rabbitmq-server", "-detached"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        ).wait(timeout=60)
    wait_until(rabbitmq_ok, 90, "RabbitMQ answering")


def rabbitmq_restart() -> float:
    """Stop RabbitMQ and start it again (about 10-20 s); when it is back."""
    try:
        _run(["rabbitmqctl", "stop"], timeout=90)
        wait_until(lambda: not port_open(5672), 30, "RabbitMQ stopping")
    finally:
        rabbitmq_start()
    return time.time()
