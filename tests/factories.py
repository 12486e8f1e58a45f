"""The one test toolkit: builders for components, pipeline documents, pipelines and runs.

Plain functions, importable from any test (`from tests.factories import document, node`);
the fixtures that wrap them live in the conftest.py files. Django imports happen inside the
functions, so pure tests can use the document builders without a database.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

ENGINE_COMPONENTS = Path(__file__).parent / "engine" / "components"


# Components


def components_register(folder: Path = ENGINE_COMPONENTS) -> dict[str, Any]:
    """Register every `*.yml` command component in `folder`; file stem -> ComponentVersion."""
    from designer.registry.services import component_register_file

    return {
        path.stem: component_register_file(path, source="command").version
        for path in sorted(folder.glob("*.yml"))
    }


# Documents


def node(node_id: str, component: str, **values: Any) -> dict[str, Any]:
    """A node whose inputs are literal values (or {"pipeline_input": x} dicts as given)."""
    inputs = {k: v if isinstance(v, dict) else {"value": v} for k, v in values.items()}
    return {"id": node_id, "component": component, "inputs": inputs}


def edge(source: str, target: str) -> dict[str, str]:
    """`edge("a.out", "b.data")`."""
    s_node, s_port = source.split(".")
    t_node, t_port = target.split(".")
    return {"source": s_node, "source_port": s_port, "target": t_node, "target_port": t_port}


def document(
    nodes: list[dict[str, Any]],
    edges: list[dict[str, str]] = (),  # type: ignore[assignment]
    *,
    inputs: dict[str, Any] | None = None,
    **settings: Any,
) -> dict[str, Any]:
    """A pipeline document (schema version 1) of `nodes` and `edges`; settings override."""
    return {
        "schema_version": 1,
        "name": "test",
        "inputs": inputs or {},
        "outputs": {},
        "settings": {
            "default_compute": "cpu",
            "continue_on_step_failure": False,
            "force_rerun": False,
            **settings,
        },
        "nodes": nodes,
        "edges": list(edges),
    }


# Pipelines


def pipeline_version(doc: dict[str, Any], *, owner: Any, name: str = "p") -> Any:
    """A saved PipelineVersion of `doc` (a new version when a pipeline `name` exists)."""
    from designer.pipelines.models import Pipeline
    from designer.pipelines.services import pipeline_create, pipeline_version_save

    doc = {**doc, "name": name}
    existing = Pipeline.objects.filter(name=name).first()
    if existing is None:
        return pipeline_create(name=name, owner=owner, document=doc).versions.get()
    return pipeline_version_save(pipeline=existing, document=doc, author=owner)


# Runs


def run_start(version: Any, *, user: Any, **inputs: Any) -> Any:
    """Submit `version` with pipeline `inputs` as `user` (the service, not the API)."""
    from designer.engine.submit import run_submit

    return run_submit(pipeline_version=version, user=user, inputs=inputs)


def wait_run(run: Any, timeout: float = 30.0) -> Any:
    """Poll until the run ended; return it refreshed."""
    from designer.engine.models import TERMINAL

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in TERMINAL:
            return run
        time.sleep(0.02)
    steps = {s.node_id: s.status for s in run.steps.all()}
    raise AssertionError(f"run {run.pk} still {run.status} after {timeout} s: {steps}")


def wait_step(run: Any, node_id: str, status: str, timeout: float = 15.0) -> Any:
    """Poll until the run's step of `node_id` has `status`; return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        step = run.steps.get(node_id=node_id)
        if step.status == status:
            return step
        time.sleep(0.02)
    raise AssertionError(f"step {node_id} never became {status}")


def steps_of(run: Any) -> dict[str, Any]:
    """The run's step runs by node id."""
    return {step.node_id: step for step in run.steps.all()}
