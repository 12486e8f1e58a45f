"""Full validation of a pipeline document against the component catalog (pure, networkx).

`validate_document` returns every problem at once, schema errors first, and never raises
on any JSON input: parts of the document that are malformed (already reported by the
schema) are skipped by the graph checks instead of crashing them. Issue codes are stable
strings that the API, the canvas and the tests rely on; see docs/pipeline-document.md.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import networkx as nx

from designer.core.issues import Issue
from designer.pipelines.documents import compute_input
from designer.pipelines.schema import COMPONENT_REF_PATTERN, schema_errors
from designer.pipelines.types import (
    binding_compatible,
    compatible,
    type_problem,
    value_problem,
)
from designer.registry.hints import parse_hints, python_syntax_problem
from designer.registry.types import PRIMITIVE_TYPES, ComponentSpec, PortSpec

Resolver = Callable[[str], ComponentSpec | None]
# (port type, value) -> (code, message) when a data value may not be used, else None.
DataChecker = Callable[[str, Any], tuple[str, str] | None]


# The one issue type (also ImportIssue and submit's errors); kept under its old name here.
ValidationIssue = Issue


class Edge(NamedTuple):
    source: str
    source_port: str
    target: str
    target_port: str

    def describe(self) -> str:
        return f"{self.source}.{self.source_port} -> {self.target}.{self.target_port}"


@dataclass
class _View:
    """The well-formed parts of a document, as the graph checks need them."""

    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    specs: dict[str, ComponentSpec] = field(default_factory=dict)
    pipeline_inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)


def validate_document(
    doc: Any,
    *,
    resolve: Resolver,
    compute_pools: Collection[str] = ("cpu",),
    known_names: Callable[[str], bool] | None = None,
    data_problem: DataChecker | None = None,
) -> list[ValidationIssue]:
    """Every problem of a pipeline document; an empty list means it can run.

    Parameters:
        doc: the parsed JSON document (any JSON value is accepted).
        resolve: maps `name@version` (or `name@latest`) to its spec, None when unknown.
        compute_pools: the configured compute pool names.
        known_names: optional; tells whether a component *name* exists, so that an
            `unknown_component` message can say "no such version" instead of "no such
            component". Without it the message names the ref and says either may be wrong.
        data_problem: optional; checks each data pipeline input's default (a reference
            the author may read, never a server path; see docs/datasets.md).
    """
    issues = schema_errors(doc)
    if not isinstance(doc, dict):
        return issues
    view = _View(edges=_edges(doc), pipeline_inputs=_pipeline_inputs(doc))
    issues += _collect_nodes(doc, view)
    issues += _resolve_components(view, resolve, known_names)
    issues += _compute_issues(doc, view, compute_pools)
    issues += _pipeline_input_default_issues(view)
    if data_problem is not None:
        issues += _data_default_issues(view, data_problem)
    for node_id in view.nodes:
        issues += _node_input_issues(view, node_id)
        issues += _python_syntax_issues(view, node_id)
    issues += _edge_issues(view)
    issues += _fan_in_issues(view)
    issues += _cycle_issues(view)
    issues += _required_input_issues(view)
    issues += _pipeline_output_issues(doc, view)
    return issues


def graph_of(doc: Any) -> nx.DiGraph:
    """The node graph: one vertex per node id, one edge per connected node pair.

    Vertex attribute `component` holds the ref; edge attribute `ports` lists the
    (source_port, target_port) pairs, since two nodes may be connected more than once.
    """
    graph = nx.DiGraph()
    doc = doc if isinstance(doc, dict) else {}
    for node in _dicts(doc.get("nodes")):
        if isinstance(node.get("id"), str) and node["id"] not in graph:
            graph.add_node(node["id"], component=node.get("component"))
    for edge in _edges(doc):
        if edge.source in graph and edge.target in graph:
            if not graph.has_edge(edge.source, edge.target):
                graph.add_edge(edge.source, edge.target, ports=[])
            graph.edges[edge.source, edge.target]["ports"].append(
                (edge.source_port, edge.target_port)
            )
    return graph


def topological_order(doc: Any) -> list[str]:
    """Node ids so that every node comes after its upstreams; ties broken by id.

    Raises ValueError when the graph has a cycle (validate the document first).
    """
    graph = graph_of(doc)
    try:
        return list(nx.lexicographical_topological_sort(graph))
    except nx.NetworkXUnfeasible as exc:
        cycles = [issue.message for issue in _cycles(graph)]
        raise ValueError("; ".join(cycles) or "the pipeline graph has a cycle") from exc


def upstream_edges(doc: Any, node_id: str) -> list[Edge]:
    """The well-formed edges into `node_id`, in document order."""
    doc = doc if isinstance(doc, dict) else {}
    return [edge for edge in _edges(doc) if edge.target == node_id]


def _dicts(value: Any) -> Iterable[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _edges(doc: dict[str, Any]) -> list[Edge]:
    keys = Edge._fields
    return [
        Edge(*(item[k] for k in keys))
        for item in _dicts(doc.get("edges"))
        if all(isinstance(item.get(k), str) for k in keys)
    ]


def _pipeline_inputs(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    inputs = doc.get("inputs")
    if not isinstance(inputs, dict):
        return {}
    return {
        k: v for k, v in inputs.items() if isinstance(v, dict) and isinstance(v.get("type"), str)
    }


def _collect_nodes(doc: dict[str, Any], view: _View) -> list[ValidationIssue]:
    issues = []
    for node in _dicts(doc.get("nodes")):
        node_id = node.get("id")
        if not isinstance(node_id, str):
            continue
        if node_id in view.nodes:
            message = f"node id '{node_id}' is used by more than one node"
            issues.append(ValidationIssue(node_id, None, "duplicate_node_id", message))
        else:
            view.nodes[node_id] = node
    return issues


def _resolve_components(
    view: _View, resolve: Resolver, known_names: Callable[[str], bool] | None
) -> list[ValidationIssue]:
    cache: dict[str, ComponentSpec | None] = {}
    issues = []
    for node_id, node in view.nodes.items():
        ref = node.get("component")
        if not isinstance(ref, str) or not re.match(COMPONENT_REF_PATTERN, ref):
            continue  # reported by the schema; a resolver need not cope with garbage
        if ref not in cache:
            cache[ref] = resolve(ref)
        spec = cache[ref]
        if spec is not None:
            view.specs[node_id] = spec
            continue
        name, _, version = ref.partition("@")
        if known_names is None:
            why = "unknown name or version"
        elif known_names(name):
            why = f"'{name}' has no version '{version}'"
        else:
            why = f"no component is named '{name}'"
        message = f"node '{node_id}': component '{ref}' not found: {why}"
        issues.append(ValidationIssue(node_id, None, "unknown_component", message))
    return issues


def _compute_issues(
    doc: dict[str, Any], view: _View, pools: Collection[str]
) -> list[ValidationIssue]:
    known = ", ".join(sorted(pools)) or "none"
    settings = doc.get("settings")
    default = settings.get("default_compute") if isinstance(settings, dict) else None
    issues = []
    relies_on_default = any(node.get("compute") is None for node in view.nodes.values())
    if isinstance(default, str) and default not in pools:
        message = f"settings.default_compute: '{default}' is not a compute pool (known: {known})"
        issues.append(ValidationIssue(None, None, "unknown_compute", message))
    elif default is None and "cpu" not in pools and relies_on_default:
        message = f"settings.default_compute is unset and 'cpu' is not a compute pool ({known})"
        issues.append(ValidationIssue(None, None, "unknown_compute", message))
    declared = doc.get("inputs") if isinstance(doc.get("inputs"), dict) else {}
    for node_id, node in view.nodes.items():
        compute = node.get("compute")
        bound = compute_input(compute)
        if bound is not None:  # resolved at submit, from the run's input value
            if bound not in (declared or {}):
                message = (
                    f"node '{node_id}': compute is bound to pipeline input '{bound}', "
                    "which does not exist"
                )
                issues.append(ValidationIssue(node_id, None, "unknown_pipeline_input", message))
            continue
        if isinstance(compute, str) and compute not in pools:
            message = (
                f"node '{node_id}': compute '{compute}' is not a compute pool (known: {known})"
            )
            issues.append(ValidationIssue(node_id, None, "unknown_compute", message))
    return issues


def _pipeline_input_default_issues(view: _View) -> list[ValidationIssue]:
    issues = []
    for name, spec in view.pipeline_inputs.items():
        default = spec.get("default")
        problem = None if default is None else type_problem(spec["type"], default)
        if problem is not None:
            message = f"pipeline input '{name}': default {problem}"
            issues.append(ValidationIssue(None, name, "invalid_pipeline_input_default", message))
    return issues


def _data_default_issues(view: _View, check: DataChecker) -> list[ValidationIssue]:
    issues = []
    for name, spec in view.pipeline_inputs.items():
        default = spec.get("default")
        if spec["type"] in PRIMITIVE_TYPES or default is None:
            continue
        if type_problem(spec["type"], default):
            continue
        problem = check(spec["type"], default)
        if problem is not None:
            code, message = problem
            issues.append(ValidationIssue(None, name, code, f"pipeline input '{name}': {message}"))
    return issues


def _bindings(node: dict[str, Any]) -> dict[str, Any]:
    inputs = node.get("inputs")
    return inputs if isinstance(inputs, dict) else {}


def _node_input_issues(view: _View, node_id: str) -> list[ValidationIssue]:
    spec = view.specs.get(node_id)
    if spec is None:
        return []
    issues = []
    for name, binding in _bindings(view.nodes[node_id]).items():
        port = spec.inputs.get(name)
        where = f"node '{node_id}' input '{name}'"
        if port is None:
            message = _no_port(node_id, "input", name, spec.inputs)
            issues.append(ValidationIssue(node_id, name, "unknown_port", message))
        elif isinstance(binding, dict) and binding.keys() == {"value"}:
            problem = None if binding["value"] is None else value_problem(port, binding["value"])
            if problem is not None:
                issues.append(
                    ValidationIssue(node_id, name, "invalid_value", f"{where}: {problem}")
                )
        elif _is_binding(binding):
            issues += _binding_issues(view, node_id, port, binding["pipeline_input"])
    return issues


def _python_syntax_issues(view: _View, node_id: str) -> list[ValidationIssue]:
    """Python code parameters (`conveyor.editor.<input>: python`) must parse; never run."""
    spec = view.specs.get(node_id)
    if spec is None:
        return []
    issues = []
    bindings = _bindings(view.nodes[node_id])
    for name, hints in parse_hints(spec.tags, spec.inputs).items():
        binding = bindings.get(name)
        value = binding.get("value") if isinstance(binding, dict) else None
        if hints.editor != "python":
            continue
        problem = python_syntax_problem(value) if isinstance(value, str) else None
        if problem:
            message = f"node '{node_id}' input '{name}': {problem}"
            issues.append(ValidationIssue(node_id, name, "python_syntax", message))
    return issues


def _is_binding(binding: Any) -> bool:
    return (
        isinstance(binding, dict)
        and binding.keys() == {"pipeline_input"}
        and isinstance(binding["pipeline_input"], str)
    )


def _binding_issues(
    view: _View, node_id: str, port: PortSpec, input_name: str
) -> list[ValidationIssue]:
    where = f"node '{node_id}' input '{port.name}'"
    pipeline_input = view.pipeline_inputs.get(input_name)
    if pipeline_input is None:
        message = f"{where}: there is no pipeline input '{input_name}'"
        return [ValidationIssue(node_id, port.name, "unknown_pipeline_input", message)]
    source_type = pipeline_input["type"]
    if not binding_compatible(source_type, port.type):
        message = (
            f"{where}: pipeline input '{input_name}' is {source_type}, the input is {port.type}"
        )
        return [ValidationIssue(node_id, port.name, "pipeline_input_type_mismatch", message)]
    default = pipeline_input.get("default")
    problem = None
    if (
        default is not None
        and port.type in PRIMITIVE_TYPES
        and not type_problem(source_type, default)
    ):
        problem = value_problem(port, default)  # a default that breaks min/max/enum here
    if problem is None:
        return []
    message = f"{where}: default of pipeline input '{input_name}': {problem}"
    return [ValidationIssue(node_id, port.name, "invalid_value", message)]


def _edge_issues(view: _View) -> list[ValidationIssue]:
    issues: list[ValidationIssue] = []
    for edge in view.edges:
        out_port = _edge_end(view, edge, "output", issues)
        in_port = _edge_end(view, edge, "input", issues)
        if out_port and in_port and not compatible(out_port.type, in_port.type):
            issues.append(_incompatible(edge, out_port.type, in_port.type))
    return issues


def _edge_end(view: _View, edge: Edge, kind: str, issues: list[ValidationIssue]) -> PortSpec | None:
    """The port at one end of an edge; appends to `issues` why there is none."""
    node_id, name = (
        (edge.source, edge.source_port) if kind == "output" else (edge.target, edge.target_port)
    )
    if node_id not in view.nodes:
        message = f"edge {edge.describe()}: node '{node_id}' does not exist"
        issues.append(ValidationIssue(node_id, name, "unknown_node", message))
        return None
    spec = view.specs.get(node_id)
    if spec is None:
        return None  # its unknown component is already reported
    ports = spec.outputs if kind == "output" else spec.inputs
    if name not in ports:
        message = f"edge {edge.describe()}: {_no_port(node_id, kind, name, ports)}"
        issues.append(ValidationIssue(node_id, name, "unknown_port", message))
    return ports.get(name)


def _incompatible(edge: Edge, source_type: str, target_type: str) -> ValidationIssue:
    message = (
        f"edge {edge.describe()}: output '{edge.source}.{edge.source_port}' ({source_type}) "
        f"cannot feed input '{edge.target}.{edge.target_port}' ({target_type})"
    )
    if target_type in PRIMITIVE_TYPES:
        message += f"; a {target_type} input takes a value or a pipeline_input, not an edge"
    return ValidationIssue(edge.target, edge.target_port, "incompatible_types", message)


def _fan_in_issues(view: _View) -> list[ValidationIssue]:
    into: dict[tuple[str, str], list[Edge]] = defaultdict(list)
    for edge in view.edges:
        if edge.target in view.nodes:
            into[edge.target, edge.target_port].append(edge)
    issues = []
    for (node_id, port), edges in into.items():
        sources = ", ".join(f"{e.source}.{e.source_port}" for e in edges)
        where = f"node '{node_id}' input '{port}'"
        if len(edges) > 1:
            message = (
                f"{where} has {len(edges)} incoming edges (from {sources}); an input takes one"
            )
            issues.append(ValidationIssue(node_id, port, "duplicate_edge_into_input", message))
        if port in _bindings(view.nodes[node_id]):
            message = (
                f"{where} is fed by an edge (from {sources}) and also has a value or pipeline_input"
            )
            issues.append(ValidationIssue(node_id, port, "duplicate_edge_into_input", message))
    return issues


def _cycle_issues(view: _View) -> list[ValidationIssue]:
    graph = nx.DiGraph()
    graph.add_nodes_from(view.nodes)
    graph.add_edges_from(
        (e.source, e.target)
        for e in view.edges
        if e.source in view.nodes and e.target in view.nodes
    )
    return _cycles(graph)


def _cycles(graph: nx.DiGraph) -> list[ValidationIssue]:
    """One issue per strongly connected knot, naming one cycle through it in order."""
    issues = []
    components = sorted(nx.strongly_connected_components(graph), key=min)
    for component in components:
        first = min(component)
        if len(component) == 1 and not graph.has_edge(first, first):
            continue
        # find_cycle walks the subgraph, so the cycle it returns stays inside the knot.
        members = [u for u, _ in nx.find_cycle(graph.subgraph(component), source=first)]
        start = members.index(min(members))
        ordered = members[start:] + members[:start]
        path = " -> ".join([*ordered, ordered[0]])
        issues.append(ValidationIssue(ordered[0], None, "cycle", f"cycle: {path}"))
    return issues


def _required_input_issues(view: _View) -> list[ValidationIssue]:
    fed = {(e.target, e.target_port) for e in view.edges}
    issues = []
    for node_id, spec in view.specs.items():
        bindings = _bindings(view.nodes[node_id])
        for name, port in spec.inputs.items():
            binding = bindings.get(name)
            # A null value means "unset"; any other entry (even a malformed one, which the
            # schema already reports) counts as given, so one mistake yields one issue.
            given = binding is not None and binding != {"value": None}
            if port.required and not given and (node_id, name) not in fed:
                kind = (
                    "an edge or a pipeline_input" if port.is_data else "a value or a pipeline_input"
                )
                message = (
                    f"node '{node_id}' input '{name}' ({port.type}) is required: give it {kind}"
                )
                issues.append(ValidationIssue(node_id, name, "missing_required_input", message))
    return issues


def _pipeline_output_issues(doc: dict[str, Any], view: _View) -> list[ValidationIssue]:
    outputs = doc.get("outputs")
    issues = []
    for name, target in outputs.items() if isinstance(outputs, dict) else []:
        if not isinstance(target, dict):
            continue
        node_id, port = target.get("node"), target.get("port")
        if not isinstance(node_id, str) or not isinstance(port, str):
            continue
        if node_id not in view.nodes:
            message = f"pipeline output '{name}': node '{node_id}' does not exist"
            issues.append(ValidationIssue(node_id, port, "unknown_node", message))
        elif node_id in view.specs and port not in view.specs[node_id].outputs:
            missing = _no_port(node_id, "output", port, view.specs[node_id].outputs)
            message = f"pipeline output '{name}': {missing}"
            issues.append(ValidationIssue(node_id, port, "unknown_port", message))
    return issues


def _no_port(node_id: str, kind: str, name: str, ports: dict[str, PortSpec]) -> str:
    return f"node '{node_id}' has no {kind} '{name}' ({kind}s: {', '.join(ports) or 'none'})"
