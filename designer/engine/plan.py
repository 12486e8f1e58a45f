"""What a step of a run will do: its inputs, rendered parameters and cache key.

Everything here is read from the run's snapshot (document, resolved components) and from
the upstream step runs' recorded outputs, so a step's plan never depends on the registry
or the pipeline changing after submit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from designer.engine.artifacts import ArtifactStore, digest_path
from designer.engine.cachekey import CacheParts
from designer.engine.models import Run, StepRun
from designer.engine.values import coerce_port_value, render_value
from designer.pipelines.validation import graph_of, topological_order, upstream_edges
from designer.registry.models import ComponentVersion
from designer.registry.services import spec_of
from designer.registry.types import ComponentSpec, PortSpec


class PlanError(ValueError):
    """A step cannot be prepared (a missing upstream output, a value that does not fit)."""


@dataclass(frozen=True)
class StepPlan:
    params: dict[str, str | None]
    inputs: dict[str, dict[str, str]]
    parts: CacheParts

    @property
    def key(self) -> str:
        return self.parts.key()


@dataclass(frozen=True)
class RunGraph:
    order: tuple[str, ...]
    upstreams: dict[str, tuple[str, ...]]
    nodes: dict[str, dict[str, Any]]


def artifact_store() -> ArtifactStore:
    return ArtifactStore(Path(settings.ARTIFACTS_DIR))


def component_spec(component: dict[str, Any]) -> ComponentSpec:
    """The spec of a snapshotted component ({ref, id, digest}); cached, versions never change."""
    return spec_of(ComponentVersion(pk=component["id"], digest=component["digest"]))


_GRAPHS: dict[tuple[int, str], RunGraph] = {}


def _build_graph(document: dict[str, Any]) -> RunGraph:
    graph = graph_of(document)
    nodes = {n["id"]: n for n in document.get("nodes", []) if isinstance(n, dict)}
    return RunGraph(
        order=tuple(topological_order(document)),
        upstreams={node: tuple(sorted(graph.predecessors(node))) for node in graph},
        nodes=nodes,
    )


def run_graph(run: Run) -> RunGraph:
    """The run's DAG, cached: a run's document never changes."""
    key = (run.pk, run.created_at.isoformat() if run.created_at else "")
    graph = _GRAPHS.get(key)
    if graph is None:
        if len(_GRAPHS) > 512:
            _GRAPHS.clear()
        graph = _GRAPHS[key] = _build_graph(run.document)
    return graph


def node_timeout(node: dict[str, Any]) -> float:
    node_settings = node.get("settings") if isinstance(node.get("settings"), dict) else {}
    timeout = (node_settings or {}).get("timeout_seconds")
    return (
        float(timeout)
        if isinstance(timeout, int | float) and timeout > 0
        else settings.STEP_TIMEOUT
    )


def step_plan(*, run: Run, step: StepRun, steps: dict[str, StepRun]) -> StepPlan:
    """Resolve a ready step's inputs and parameters and compute its cache key.

    run: the step's run. step: the step. steps: the run's steps by node id (upstreams
    must be Completed with their outputs recorded).
    """
    component = run.components[step.node_id]
    spec = component_spec(component)
    node = run_graph(run).nodes[step.node_id]
    bindings = node.get("inputs")
    bindings = bindings if isinstance(bindings, dict) else {}
    edges = {edge.target_port: edge for edge in upstream_edges(run.document, step.node_id)}
    params: dict[str, str | None] = {}
    inputs: dict[str, dict[str, str]] = {}
    for name, port in spec.inputs.items():
        if name in edges:
            inputs[name] = _upstream_input(step.node_id, edges[name], steps)
            continue
        value = _bound_value(bindings.get(name), run.inputs, port)
        if port.is_data:
            if value is not None:
                inputs[name] = _external_input(str(value))
        else:
            params[name] = _render(step.node_id, port, value)
    parts = CacheParts(
        component_digest=component["digest"],
        component_ref=component["ref"],
        params=params,
        input_digests={name: data["sha256"] for name, data in inputs.items()},
        output_settings={name: {"type": port.type} for name, port in spec.outputs.items()},
    )
    return StepPlan(params=params, inputs=inputs, parts=parts)


def _upstream_input(node_id: str, edge: Any, steps: dict[str, StepRun]) -> dict[str, str]:
    source = steps[edge.source]
    output = source.outputs.get(edge.source_port)
    if not output:
        raise PlanError(
            f"node '{node_id}' input '{edge.target_port}': upstream '{edge.source}' recorded "
            f"no output '{edge.source_port}'"
        )
    path = artifact_store().resolve(output["path"])
    return {"path": str(path), "sha256": output["sha256"]}


def _bound_value(binding: Any, run_inputs: dict[str, Any], port: PortSpec) -> Any:
    value = None
    if isinstance(binding, dict) and "value" in binding:
        value = binding["value"]
    elif isinstance(binding, dict) and isinstance(binding.get("pipeline_input"), str):
        value = run_inputs.get(binding["pipeline_input"])
    if value is None and port.has_default:
        value = port.default
    return value


def external_path(value: str) -> Path | None:
    """A local path given as a pipeline input (relative: to the project folder); None for URIs."""
    if "://" in value or value.startswith("azureml:"):
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else Path(settings.BASE_DIR) / path


def _external_input(value: str) -> dict[str, str]:
    path = external_path(value)
    if path is not None and path.exists():
        return {"path": str(path), "sha256": digest_path(path).sha256}
    # A URI (or a path this machine cannot see) is identified by its text.
    return {"path": value, "sha256": "uri:" + hashlib.sha256(value.encode()).hexdigest()}


def _render(node_id: str, port: PortSpec, value: Any) -> str | None:
    try:
        return render_value(coerce_port_value(port, value))
    except (TypeError, ValueError) as exc:
        raise PlanError(f"node '{node_id}': {exc}") from None
