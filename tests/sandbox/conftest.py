"""Hostile-step suite helpers: the real sandbox (a missing bwrap fails in CI), hostile
components, pipelines of one hostile node, and a check that the server still runs steps."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REQUIRE_SERVICES
from tests.engine.conftest import embedded  # noqa: F401 (fixture)
from tests.factories import document, node, wait_run

COMPONENTS = Path(__file__).parent / "components"
ENGINE_COMPONENTS = Path(__file__).parent.parent / "engine" / "components"


@pytest.fixture
def sandbox(settings: Any) -> Any:
    """The real sandbox; skipped without bubblewrap, a failure where CI requires it."""
    from designer.engine.runtime import sandbox_status

    status = sandbox_status(refresh=True)
    if not status.available:
        message = f"the step sandbox cannot start: {status.reason}"
        if REQUIRE_SERVICES:
            pytest.fail(message + " (CONVEYOR_REQUIRE_SERVICES=1)")
        pytest.skip(message)
    return status


@pytest.fixture
def hostile(db: None) -> dict[str, Any]:
    """The hostile components plus the engine's tiny ones (t_echo, ...), registered."""
    from designer.registry.services import component_register_file

    paths = sorted(COMPONENTS.glob("*.yml")) + sorted(ENGINE_COMPONENTS.glob("*.yml"))
    return {p.stem: component_register_file(p, source="command").version for p in paths}


@pytest.fixture
def run_one(hostile: dict[str, Any], owner: Any, sandbox: Any, embedded: Any) -> Any:  # noqa: F811
    """run_one(component, node_settings=None, **values) -> the finished run of one node."""
    from designer.engine.submit import run_submit
    from designer.pipelines.services import pipeline_create

    counter = iter(range(1_000_000))

    def run(component: str, node_settings: dict | None = None, **values: Any) -> Any:
        item = node("n", f"{component}@1", **values)
        if node_settings:
            item["settings"] = node_settings
        doc = {**document([item]), "name": f"h{next(counter)}"}
        version = pipeline_create(name=doc["name"], owner=owner, document=doc).versions.get()
        return wait_run(run_submit(pipeline_version=version, user=owner), timeout=60)

    return run


def report(run: Any) -> str:
    """The hostile step's report (its own output), or "" when it wrote none."""
    from django.conf import settings

    step = run.steps.get()
    if not step.outputs:
        return ""
    path = Path(settings.ARTIFACTS_DIR) / step.outputs["out"]["path"] / "report.txt"
    return path.read_text() if path.exists() else ""


def step_log(run: Any) -> str:
    from django.conf import settings

    step = run.steps.get()
    return (Path(settings.ARTIFACTS_DIR) / step.log_path).read_text()


def server_still_runs_steps(run_one: Any) -> None:
    """A plain step after the attack completes: the server (its workers) is unharmed."""
    run = run_one("t_echo", text="still here")
    assert run.status == "Completed", run.steps.get().error


def processes_with(marker: str) -> list[int]:
    """Host pids whose command line contains `marker`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                if marker.encode() in handle.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found
