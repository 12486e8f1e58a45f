"""A scale-out Conveyor made of real processes: PostgreSQL, a broker, rundramatiq workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[2]


def fresh_postgres(url: str) -> tuple[str, Any]:
    """A new empty database on the server of `url`; returns its URL and a drop function."""
    import psycopg

    name = f"conveyor_scale_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parsed = urlparse(url)
    db_url = urlunparse(parsed._replace(path=f"/{name}"))

    def drop() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return db_url, drop


class Cluster:
    """Worker processes and a driver sharing one database, broker and artifact store."""

    def __init__(
        self,
        *,
        database_url: str,
        broker_url: str,
        home: Path,
        threads: int = 4,
        driver_module: str = "tests.engine.scaleout_driver",
        **env: str,
    ) -> None:
        self.home = home
        self.driver_module = driver_module
        self.threads = threads
        self.workers: list[subprocess.Popen[bytes]] = []
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url,
            "CONVEYOR_BROKER_URL": broker_url,
            "CONVEYOR_HOME": str(home),
            "CONVEYOR_SECRET_KEY": "scale-out-tests",
            "CONVEYOR_HEARTBEAT_INTERVAL": "0.5",
            "CONVEYOR_REAPER_TIMEOUT": "3",
            "CONVEYOR_REAPER_INTERVAL": "0.5",
            "CONVEYOR_KILL_GRACE": "1",
            "CONVEYOR_LOG_LEVEL": "WARNING",
            **env,
        }

    def driver(self, *args: str, timeout: float = 120) -> Any:
        done = subprocess.run(
            [sys.executable, "-m", self.driver_module, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"driver {args[0]} failed:\n{done.stderr.decode()[-3000:]}")
        return json.loads(done.stdout.decode().strip().splitlines()[-1])

    def start_worker(self, queues: tuple[str, ...] = ("cpu",)) -> subprocess.Popen[bytes]:
        log = (self.home / f"worker-{len(self.workers)}.log").open("wb")
        command = [
            sys.executable,
            "manage.py",
            "rundramatiq",
            "--processes",
            "1",
            "--threads",
            str(self.threads),
            "--queues",
            *queues,
        ]
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers.append(proc)
        return proc

    def wait_ready(self, seconds: float = 4.0) -> None:
        """Give the workers time to import Django and connect (messages wait meanwhile)."""
        time.sleep(seconds)

    def stop(self) -> None:
        for proc in self.workers:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for proc in self.workers:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
