"""What a step of a run will do: its inputs, rendered parameters and cache key.

Everything here is read from the run's snapshot (document, resolved components) and from
the upstream step runs' recorded outputs, so a step's plan never depends on the registry
or the pipeline changing after submit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

from designer.datastores.models import RunInputDigest
from designer.engine.artifacts import ArtifactStore
from designer.engine.cachekey import CacheParts
from designer.engine.models import Run
from designer.engine.values import coerce_port_value, render_value
from designer.pipelines.validation import Edge, graph_of, topological_order
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

    @cached_property
    def key(self) -> str:
        return self.parts.key()


@dataclass
class PlanMemo:
    """Reads derived from a run that never change once made, remembered with its plan.

    external: data reference -> {reference, sha256} recorded at submit.
    previous: node -> cache parts of its latest earlier run in the pipeline; None until the
    scheduler first needs a rerun reason (then read once for every node).
    """

    external: dict[str, dict[str, str]] = field(default_factory=dict)
    previous: dict[str, CacheParts] | None = None


@dataclass(frozen=True)
class RunPlan:
    """Everything about a run that never changes after submit, computed once per process.

    The scheduler and the workers read this instead of the run's document: the DAG
    (topological order, upstreams and downstreams of each node), the edges into each
    node by target port, the snapshotted components and their parsed specs, the effective
    settings and pipeline inputs. Cached in-process by run id (see `run_plan`).
    """

    run_id: int
    pipeline_id: int
    created_at: str
    order: tuple[str, ...]
    rank: dict[str, int]
    upstreams: dict[str, tuple[str, ...]]
    downstreams: dict[str, tuple[str, ...]]
    edges_in: dict[str, dict[str, Edge]]
    nodes: dict[str, dict[str, Any]]
    components: dict[str, dict[str, Any]]
    specs: dict[str, ComponentSpec]
    inputs: dict[str, Any]
    force_rerun: bool
    keep_going: bool
    user_id: int | None = None
    memo: PlanMemo = field(default_factory=PlanMemo, compare=False, repr=False)

    def deterministic(self, node_id: str) -> bool:
        return self.specs[node_id].is_deterministic


def artifact_store() -> ArtifactStore:
    """The store at settings.ARTIFACTS_DIR (one object per root, so its resolved root is
    computed once)."""
    return _store_at(str(settings.ARTIFACTS_DIR))


@lru_cache(maxsize=8)
def _store_at(root: str) -> ArtifactStore:
    return ArtifactStore(Path(root))


def component_spec(component: dict[str, Any]) -> ComponentSpec:
    """The spec of a snapshotted component ({ref, id, digest}); cached, versions never change."""
    return spec_of(ComponentVersion(pk=component["id"], digest=component["digest"]))


_PLANS: OrderedDict[int, RunPlan] = OrderedDict()
_PLANS_LOCK = threading.Lock()
PLAN_CACHE_SIZE = 256
_RUN_FIELDS = (
    "id",
    "pipeline_id",
    "user_id",
    "created_at",
    "document",
    "components",
    "inputs",
    "settings",
)


def _stamp(created_at: datetime | None) -> str:
    return created_at.isoformat() if created_at else ""


def _build_plan(run: Run) -> RunPlan:
    document = run.document
    graph = graph_of(document)
    order = tuple(topological_order(document))
    edges_in: dict[str, dict[str, Edge]] = {node: {} for node in order}
    for source, target, data in graph.edges(data=True):
        for source_port, target_port in data.get("ports", ()):
            edges_in[target][target_port] = Edge(source, source_port, target, target_port)
    components = run.components
    return RunPlan(
        run_id=run.pk,
        pipeline_id=run.pipeline_id,
        created_at=_stamp(run.created_at),
        order=order,
        rank={node: index for index, node in enumerate(order)},
        upstreams={node: tuple(sorted(graph.predecessors(node))) for node in graph},
        downstreams={node: tuple(sorted(graph.successors(node))) for node in graph},
        edges_in=edges_in,
        nodes={n["id"]: n for n in document.get("nodes", []) if isinstance(n, dict)},
        components=components,
        specs={node: component_spec(component) for node, component in components.items()},
        inputs=run.inputs,
        force_rerun=bool(run.settings.get("force_rerun")),
        keep_going=bool(run.settings.get("continue_on_step_failure")),
        user_id=run.user_id,
    )


def run_plan(run_id: int, created_at: datetime | None = None, *, run: Run | None = None) -> RunPlan:
    """The run's plan, from the in-process cache or built from its snapshot.

    run_id: the run. created_at: its creation time when known (a cached plan of a run with
    the same id but another creation time, e.g. after a test database flush, is rebuilt).
    run: the Run when the caller has it loaded (saves a query on a miss).
    """
    with _PLANS_LOCK:
        plan = _PLANS.get(run_id)
        if plan is not None and (created_at is None or plan.created_at == _stamp(created_at)):
            _PLANS.move_to_end(run_id)
            return plan
    if run is None or run.pk != run_id:
        run = Run.objects.only(*_RUN_FIELDS).get(pk=run_id)
    plan = _build_plan(run)
    with _PLANS_LOCK:
        _PLANS[run_id] = plan
        while len(_PLANS) > PLAN_CACHE_SIZE:
            _PLANS.popitem(last=False)
    return plan


def node_timeout(node: dict[str, Any]) -> float:
    node_settings = node.get("settings") if isinstance(node.get("settings"), dict) else {}
    timeout = (node_settings or {}).get("timeout_seconds")
    return (
        float(timeout)
        if isinstance(timeout, int | float) and timeout > 0
        else settings.STEP_TIMEOUT
    )


def step_plan(plan: RunPlan, node_id: str, upstream_outputs: dict[str, dict[str, Any]]) -> StepPlan:
    """Resolve a ready step's inputs and parameters and compute its cache key.

    plan: the step's run plan. node_id: the step's node.
    upstream_outputs: the recorded outputs of (at least) the node's upstreams, by node id;
    they must be Completed.
    """
    component = plan.components[node_id]
    spec = plan.specs[node_id]
    bindings = plan.nodes[node_id].get("inputs")
    bindings = bindings if isinstance(bindings, dict) else {}
    edges = plan.edges_in.get(node_id, {})
    params: dict[str, str | None] = {}
    inputs: dict[str, dict[str, str]] = {}
    for name, port in spec.inputs.items():
        if name in edges:
            inputs[name] = _upstream_input(node_id, edges[name], upstream_outputs)
            continue
        value = _bound_value(bindings.get(name), plan.inputs, port)
        if port.is_data:
            if value is not None:
                inputs[name] = _external_input(plan, str(value), node_id, name)
        else:
            params[name] = _render(node_id, port, value)
    parts = CacheParts(
        component_digest=component["digest"],
        component_ref=component["ref"],
        params=params,
        input_digests={name: data["sha256"] for name, data in inputs.items()},
        output_settings={name: {"type": port.type} for name, port in spec.outputs.items()},
    )
    return StepPlan(params=params, inputs=inputs, parts=parts)


def _upstream_input(
    node_id: str, edge: Edge, upstream_outputs: dict[str, dict[str, Any]]
) -> dict[str, str]:
    output = (upstream_outputs.get(edge.source) or {}).get(edge.source_port)
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


def _external_input(plan: RunPlan, value: str, node_id: str, name: str) -> dict[str, str]:
    """A data reference and the digest submit recorded for it (no I/O here: this runs
    inside the advance transaction). The engine resolves it to a path when the step starts.
    """
    known = plan.memo.external.get(value)
    if known is not None:
        return known
    sha256 = (
        RunInputDigest.objects.filter(run_id=plan.run_id, reference=value)
        .values_list("sha256", flat=True)
        .first()
    )
    if sha256 is None:
        raise PlanError(
            f"node '{node_id}' input '{name}': {value!r} is not a data reference this run "
            "checked at submit (azureml://datastores/<name>/paths/<path>)"
        )
    found = {"reference": value, "sha256": sha256}
    plan.memo.external[value] = found
    return found


def _render(node_id: str, port: PortSpec, value: Any) -> str | None:
    try:
        return render_value(coerce_port_value(port, value))
    except (TypeError, ValueError) as exc:
        raise PlanError(f"node '{node_id}': {exc}") from None
