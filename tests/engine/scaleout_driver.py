"""Plays the web process of a scale-out Conveyor (run as a subprocess with its own env).

python -m tests.engine.scaleout_driver setup
python -m tests.engine.scaleout_driver submit NAME DOC_JSON [SETTINGS_JSON]  -> {"run": id}
python -m tests.engine.scaleout_driver wait RUN_ID TIMEOUT                  -> run summary
python -m tests.engine.scaleout_driver step RUN_ID NODE                     -> step summary
python -m tests.engine.scaleout_driver timings RUN_ID                       -> phase medians
python -m tests.engine.scaleout_driver costs WIDTH              -> queries, Redis, CPU per step
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "designer.settings")

import django

django.setup()

import dramatiq  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from designer.engine.models import TERMINAL, Run, StepRun  # noqa: E402
from designer.engine.submit import run_submit  # noqa: E402
from designer.pipelines.models import Pipeline  # noqa: E402
from designer.pipelines.services import pipeline_create, pipeline_version_save  # noqa: E402
from designer.registry.services import component_register_file  # noqa: E402

COMPONENTS = Path(__file__).parent / "components"


def setup() -> dict[str, Any]:
    call_command("migrate", verbosity=0, interactive=False)
    for path in sorted(COMPONENTS.glob("*.yml")):
        component_register_file(path, source="command")
    get_user_model().objects.get_or_create(username="scale")
    dramatiq.get_broker().flush_all()
    return {"ok": True}


def register(path: str) -> dict[str, Any]:
    return {"ref": component_register_file(Path(path), source="command").version.ref}


def submit(name: str, doc_json: str, settings_json: str = "{}") -> dict[str, Any]:
    user = get_user_model().objects.get(username="scale")
    doc = {**json.loads(doc_json), "name": name}
    pipeline = Pipeline.objects.filter(name=name).first()
    if pipeline is None:
        version = pipeline_create(name=name, owner=user, document=doc).versions.get()
    else:
        version = pipeline_version_save(pipeline=pipeline, document=doc, author=user)
    started = time.perf_counter()
    run = run_submit(pipeline_version=version, user=user, settings=json.loads(settings_json))
    return {"run": run.pk, "submit_seconds": time.perf_counter() - started}


def step_summary(step: StepRun) -> dict[str, Any]:
    return {
        "status": step.status,
        "attempt": step.attempt,
        "worker": step.worker_id,
        "reused": step.reused,
        "error": step.error,
    }


def wait(run_id: str, timeout: str) -> dict[str, Any]:
    deadline = time.monotonic() + float(timeout)
    run = Run.objects.get(pk=int(run_id))
    while run.status not in TERMINAL and time.monotonic() < deadline:
        time.sleep(0.005)
        run.refresh_from_db()
    span = (run.ended_at - run.created_at).total_seconds() if run.ended_at else None
    return {
        "status": run.status,
        "seconds": span,
        "steps": {s.node_id: step_summary(s) for s in run.steps.all()},
    }


def timings(run_id: str) -> dict[str, Any]:
    """Median per-step phases of a run from its timestamps (seconds)."""
    import statistics

    steps = list(StepRun.objects.filter(run_id=int(run_id), reused=False).order_by("id"))

    def median(values: list[float]) -> float | None:
        return statistics.median(values) if values else None

    return {
        "queued_to_started": median(
            [
                (s.started_at - s.queued_at).total_seconds()
                for s in steps
                if s.started_at and s.queued_at
            ]
        ),
        "started_to_ended": median(
            [
                (s.ended_at - s.started_at).total_seconds()
                for s in steps
                if s.ended_at and s.started_at
            ]
        ),
    }


def costs(width: str) -> dict[str, Any]:
    """What the engine spends per step of a fan-out, executed here one step at a time.

    A warm-up run first (plans, code paths, connections), then `width` steps: SQL
    statements from every thread (BEGIN and COMMIT counted, as Django's query log does),
    Redis commands (broker and channel layer) and this process's CPU (its threads, not
    the step subprocesses). The broker's copies of the messages are dropped afterwards.
    """
    import redis.asyncio.connection
    import redis.connection
    from django.db.backends import utils
    from django.db.backends.base.base import BaseDatabaseWrapper

    from bench.common import fanout
    from designer.engine.execution import step_execute

    counts = {"sql": 0, "redis": 0}

    def counting(cls: Any, name: str, key: str, step: int = 1) -> None:
        real = getattr(cls, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counts[key] += step
            return real(*args, **kwargs)

        setattr(cls, name, wrapper)

    counting(utils.CursorWrapper, "execute", "sql")
    counting(utils.CursorWrapper, "executemany", "sql")
    counting(BaseDatabaseWrapper, "commit", "sql", 2)
    counting(redis.connection.Connection, "send_packed_command", "redis")
    counting(redis.asyncio.connection.Connection, "send_packed_command", "redis")
    settings = json.dumps({"force_rerun": True})

    def execute(run: int) -> int:
        ids = list(StepRun.objects.filter(run_id=run).values_list("id", flat=True))
        for step_id in ids:
            step_execute(step_run_id=step_id)
        return len(ids)

    execute(submit("costs-warm", json.dumps(fanout(3)), settings)["run"])
    run = submit("costs", json.dumps(fanout(int(width))), settings)["run"]
    time.sleep(0.5)
    before, cpu = dict(counts), time.process_time()
    steps = execute(run)
    time.sleep(0.3)  # the relay thread's last sends
    cpu = time.process_time() - cpu
    dramatiq.get_broker().flush_all()
    return {
        "status": Run.objects.get(pk=run).status,
        "queries_per_step": (counts["sql"] - before["sql"]) / steps,
        "redis_per_step": (counts["redis"] - before["redis"]) / steps,
        "cpu_per_step": cpu / steps,
    }


def step(run_id: str, node_id: str) -> dict[str, Any]:
    return step_summary(StepRun.objects.get(run_id=int(run_id), node_id=node_id))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    commands = {
        "setup": setup,
        "register": register,
        "submit": submit,
        "wait": wait,
        "step": step,
        "timings": timings,
        "costs": costs,
    }
    result = commands[command](*args)
    print(json.dumps(result))
