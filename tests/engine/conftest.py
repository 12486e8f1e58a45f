"""Engine test helpers: tiny components, pipeline builders, embedded workers, waiting."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

COMPONENTS = Path(__file__).parent / "components"


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


@pytest.fixture
def components(db: None) -> dict[str, Any]:
    from designer.registry.services import component_register_file

    return {
        path.stem: component_register_file(path, source="command").version
        for path in sorted(COMPONENTS.glob("*.yml"))
    }


@pytest.fixture
def make_version(components: dict[str, Any], owner: Any) -> Any:
    """make_version(doc, name=...) -> a saved PipelineVersion (new version if name exists)."""
    from designer.pipelines.models import Pipeline
    from designer.pipelines.services import pipeline_create, pipeline_version_save

    def make(doc: dict[str, Any], name: str = "p") -> Any:
        doc = {**doc, "name": name}
        existing = Pipeline.objects.filter(name=name).first()
        if existing is None:
            return pipeline_create(name=name, owner=owner, document=doc).versions.get()
        return pipeline_version_save(pipeline=existing, document=doc, author=owner)

    return make


@pytest.fixture
def embedded(settings: Any) -> Iterator[Any]:
    """Embedded worker threads on the stub broker, with quick heartbeats and reaping."""
    import dramatiq

    from designer.engine.worker import embedded_worker_start, embedded_worker_stop

    settings.ENGINE_HEARTBEAT_INTERVAL = 0.2
    settings.ENGINE_REAPER_TIMEOUT = 2.0
    settings.ENGINE_REAPER_INTERVAL = 0.5
    settings.ENGINE_KILL_GRACE = 1.0
    settings.ENGINE_CANCEL_POLL = 0.1
    worker = embedded_worker_start(threads=4)
    yield worker
    embedded_worker_stop(worker)
    dramatiq.get_broker().flush_all()


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
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        step = run.steps.get(node_id=node_id)
        if step.status == status:
            return step
        time.sleep(0.02)
    raise AssertionError(f"step {node_id} never became {status}")


def steps_of(run: Any) -> dict[str, Any]:
    return {step.node_id: step for step in run.steps.all()}
