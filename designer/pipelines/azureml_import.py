"""Azure ML pipeline job YAML -> one flat Conveyor pipeline document (pure: no Django).

Nested pipeline components are flattened: an inner job `train` of the pipeline job `outer`
becomes the node `outer__train`, and its bindings are rewired through the nested
component's inputs and outputs. See docs/cli.md, "YAML import".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from designer.pipelines.azureml_bindings import Binder, Scope
from designer.pipelines.azureml_common import (
    NODE_ID_RE,
    PARENT_RE,
    POSITION_TAG,
    UNSET,
    Findings,
    ImportIssue,
    Source,
    YamlImportError,
    load_yaml_text,
    safe_name,
)
from designer.pipelines.azureml_jobs import (
    MAX_DEPTH,
    CommandTarget,
    Loader,
    PendingComponent,
    PipelineTarget,
    Resolver,
)
from designer.pipelines.documents import SCHEMA_VERSION
from designer.registry.types import ComponentSpec

SETTING_KEYS = ("default_compute", "continue_on_step_failure", "force_rerun")
JOB_KEYS = frozenset(
    {
        "type", "component", "inputs", "outputs", "compute", "display_name", "description",
        "tags", "limits", "command", "code", "environment", "name", "experiment_name",
        "properties",
    }
)  # fmt: skip
X_STEP, Y_STEP = 280, 140
MAX_NODES = 2000  # steps one import may produce (nested pipelines multiply them)


@dataclass(frozen=True)
class ImportResult:
    """The document, the components it needs registered, and what was noticed on the way."""

    document: dict[str, Any]
    components: dict[str, PendingComponent]
    warnings: list[ImportIssue]


@dataclass
class Importer:
    """One import of one pipeline YAML file inside an unpacked folder (`root`)."""

    root: Path
    resolve: Resolver
    dataset: Callable[[Path], str]
    compute_map: Mapping[str, str] = field(default_factory=dict)
    resolve_builtin: Resolver | None = None
    pools: tuple[str, ...] = ("cpu",)
    findings: Findings = field(default_factory=Findings)
    nodes: list[tuple[tuple[int, ...], dict[str, Any]]] = field(default_factory=list)
    edges: list[dict[str, str]] = field(default_factory=list)
    # The pipeline files being expanded, outermost first: a file met again is a cycle.
    chain: list[tuple[Path, str]] = field(default_factory=list)

    def run(self, path: Path, *, name: str | None = None) -> ImportResult:
        """Import the pipeline at `path`; raise YamlImportError listing every problem."""
        data = load_yaml_text(path.read_text(encoding="utf-8"), path.name)
        self.chain = [(path.resolve(), path.name)]
        if not isinstance(data, dict) or "jobs" not in data:
            issue = ImportIssue(None, None, "invalid_pipeline", f"{path.name}: no `jobs:` found")
            raise YamlImportError([issue])
        loader = Loader(self.root, self.resolve, self.findings)
        loader.resolve_builtin = self.resolve_builtin
        binder = Binder(self.root, self.dataset, self.findings)
        pipeline_name = name or _pipeline_name(data, path)
        scope = Scope(prefix="", owner=safe_name(pipeline_name), base_dir=path.parent, key=())
        scope.inputs = binder.top_inputs(data.get("inputs"), path.parent)
        scope.declared_outputs = dict(data.get("outputs") or {})
        self._expand_jobs(scope, data.get("jobs"), loader, binder)
        document = self._document(data, pipeline_name, binder, scope)
        if self.findings.errors:
            raise YamlImportError(self.findings.errors)
        return ImportResult(document, loader.components, self.findings.warnings)

    def _document(
        self, data: dict[str, Any], name: str, binder: Binder, scope: Scope
    ) -> dict[str, Any]:
        for declared in scope.declared_outputs:
            if declared not in scope.bound_outputs:
                message = f"pipeline output '{declared}' is declared but no job binds it; dropped"
                self.findings.warn("unbound_output", message, None, declared)
        nodes = [node for _, node in sorted(self.nodes, key=lambda item: item[0])]
        order = {node["id"]: i for i, node in enumerate(nodes)}
        self._layout(nodes)
        return {
            "schema_version": SCHEMA_VERSION,
            "name": name,
            "description": str(data.get("description") or ""),
            "inputs": binder.doc_inputs,
            "outputs": {
                out: {"node": src.node, "port": src.port}
                for out, src in scope.bound_outputs.items()
            },
            "settings": self._settings(data),
            "nodes": nodes,
            "edges": sorted(self.edges, key=lambda e: (order[e["target"]], e["target_port"])),
        }

    # Jobs -----------------------------------------------------------------------------

    def _expand_jobs(self, scope: Scope, jobs: Any, loader: Loader, binder: Binder) -> None:
        if not isinstance(jobs, dict) or not jobs:
            where = f"pipeline component '{scope.prefix[:-2]}'" if scope.prefix else "the pipeline"
            self.findings.error("invalid_pipeline", f"{where} has no jobs", scope.prefix or None)
            return
        results: dict[str, dict[str, Source] | None] = {}
        for name in self._job_order(scope, jobs):
            index = list(jobs).index(name)
            results[name] = self._expand_job(scope, name, index, jobs, results, loader, binder)

    def _job_order(self, scope: Scope, jobs: dict[str, Any]) -> list[str]:
        graph: nx.DiGraph[str] = nx.DiGraph()
        graph.add_nodes_from(jobs)
        for name, job in jobs.items():
            for dep in Binder.sibling_refs(job):
                if dep in jobs and dep != name:
                    graph.add_edge(dep, name)
        try:
            index = {name: i for i, name in enumerate(jobs)}
            return list(nx.lexicographical_topological_sort(graph, key=index.__getitem__))
        except nx.NetworkXUnfeasible:
            cycle = " -> ".join(edge[0] for edge in nx.find_cycle(graph))
            message = f"jobs bind each other's outputs in a cycle: {cycle}"
            self.findings.error("cycle", message, scope.prefix + next(iter(jobs)))
            return []

    def _expand_job(
        self,
        scope: Scope,
        name: str,
        index: int,
        jobs: dict[str, Any],
        results: dict[str, dict[str, Source] | None],
        loader: Loader,
        binder: Binder,
    ) -> dict[str, Source] | None:
        node = scope.prefix + name
        job = jobs[name]
        if not NODE_ID_RE.match(node):
            message = f"job '{node}': a node id must match {NODE_ID_RE.pattern} (shorten it)"
            self.findings.error("invalid_job_name", message, node)
            return None
        if not isinstance(job, dict):
            self.findings.error("invalid_job", f"job '{node}' must be a mapping", node)
            return None
        for key in sorted(set(job) - JOB_KEYS):
            self.findings.warn("unknown_field", f"job '{node}': `{key}` is ignored", node)
        sources = binder.job_sources(scope, node, job, jobs, results)
        ports = binder.inline_ports(scope, job, sources)
        label = f"{scope.owner}_{name}"
        target = loader.target(job, node, scope.base_dir, name=label, ports=ports)
        if isinstance(target, PipelineTarget):
            return self._expand_nested(scope, node, index, job, target, sources, loader, binder)
        if isinstance(target, CommandTarget):
            return self._emit_node(scope, node, index, job, target.spec, sources, binder)
        return None

    def _expand_nested(
        self,
        scope: Scope,
        node: str,
        index: int,
        job: dict[str, Any],
        target: PipelineTarget,
        sources: dict[str, Source],
        loader: Loader,
        binder: Binder,
    ) -> dict[str, Source] | None:
        if len(scope.key) >= MAX_DEPTH:
            message = f"job '{node}': pipeline components nest deeper than {MAX_DEPTH} levels"
            self.findings.error("too_deep", message, node)
            return None
        if len(self.nodes) >= MAX_NODES:
            message = f"job '{node}': the pipeline expands to more than {MAX_NODES} steps"
            self.findings.error("too_large", message, node)
            return None
        source = target.source.resolve() if target.source else None
        if source is not None and any(seen == source for seen, _ in self.chain):
            names = [shown for _, shown in self.chain] + [target.where]
            message = f"job '{node}': pipeline files include themselves: {' -> '.join(names)}"
            self.findings.error("cycle", message, node)
            return None
        self.chain.append((source or target.base_dir, target.where))
        try:
            return self._expand_pipeline(scope, node, index, job, target, sources, loader, binder)
        finally:
            self.chain.pop()

    def _expand_pipeline(
        self,
        scope: Scope,
        node: str,
        index: int,
        job: dict[str, Any],
        target: PipelineTarget,
        sources: dict[str, Source],
        loader: Loader,
        binder: Binder,
    ) -> dict[str, Source] | None:
        data = target.data
        child = Scope(
            prefix=node + "__",
            owner=safe_name(str(data.get("name") or node)),
            base_dir=target.base_dir,
            key=(*scope.key, index),
        )
        child.inputs = binder.nested_inputs(node, data.get("inputs"), sources, target.base_dir)
        child.declared_outputs = dict(data.get("outputs") or {})
        self._expand_jobs(child, data.get("jobs"), loader, binder)
        for port, raw in (job.get("outputs") or {}).items():
            inner = child.bound_outputs.get(port)
            if port not in child.declared_outputs or inner is None:
                message = (
                    f"job '{node}' output '{port}': {target.where} has no bound output {port!r}"
                )
                self.findings.error("unknown_output", message, node, port)
                continue
            binder.bind_output(scope, raw, inner, node, port)
        return dict(child.bound_outputs)

    def _emit_node(
        self,
        scope: Scope,
        node: str,
        index: int,
        job: dict[str, Any],
        spec: ComponentSpec,
        sources: dict[str, Source],
        binder: Binder,
    ) -> dict[str, Source]:
        inputs: dict[str, Any] = {}
        for port, src in sources.items():
            if port not in spec.inputs:
                message = f"job '{node}' sets input '{port}', which {spec.ref} does not declare"
                self.findings.error("unknown_port", message, node, port)
            elif src.kind == "value":
                inputs[port] = {"value": src.value}
            elif src.kind == "pipeline_input":
                inputs[port] = {"pipeline_input": src.value}
            elif src.kind == "output":
                edge = {"source": src.node, "source_port": src.port}
                self.edges.append({**edge, "target": node, "target_port": port})
        outputs = {
            p: Source("output", node=node, port=p, type=s.type) for p, s in spec.outputs.items()
        }
        for port, raw in (job.get("outputs") or {}).items():
            if port not in spec.outputs:
                message = f"job '{node}' binds output '{port}', which {spec.ref} does not declare"
                self.findings.error("unknown_port", message, node, port)
            else:
                binder.bind_output(scope, raw, outputs[port], node, port)
        compute = self._job_compute(scope, job.get("compute"), node)
        self.nodes.append(((*scope.key, index), self._node(node, job, spec, inputs, compute)))
        return outputs

    def _job_compute(self, scope: Scope, value: Any, node: str) -> str | None:
        """`compute: ${{parent.inputs.x}}` stays a binding, resolved at submit."""
        match = PARENT_RE.match(value) if isinstance(value, str) else None
        if match is None or match.group(1) != "inputs":
            return self._compute(value, node)
        source = scope.inputs.get(match.group(2))
        if source is None:
            message = (
                f"job '{node}': compute is bound to parent input '{match.group(2)}', "
                "which does not exist"
            )
            self.findings.error("unknown_pipeline_input", message, node)
            return None
        if source.kind == "pipeline_input":
            return f"${{{{parent.inputs.{source.value}}}}}"
        return self._compute(source.value, node) if source.kind == "value" else None

    def _node(
        self,
        node: str,
        job: dict[str, Any],
        spec: ComponentSpec,
        inputs: dict[str, Any],
        compute: str | None,
    ) -> dict[str, Any]:
        limits = job.get("limits") if isinstance(job.get("limits"), dict) else {}
        timeout = (limits or {}).get("timeout")
        return {
            "id": node,
            "component": spec.ref,
            "display_name": str(job.get("display_name") or spec.display_name or node),
            "position": _position_tag(job),
            "inputs": inputs,
            "compute": compute,
            "settings": {"timeout_seconds": timeout if isinstance(timeout, int) else None},
        }

    # Settings, compute, layout ----------------------------------------------------------

    def _settings(self, data: dict[str, Any]) -> dict[str, Any]:
        raw = data.get("settings") if isinstance(data.get("settings"), dict) else {}
        raw = raw or {}
        for key in sorted(set(raw) - set(SETTING_KEYS)):
            self.findings.warn("unknown_setting", f"settings.{key} is not used by Conveyor")
        default = raw.get("default_compute", data.get("compute"))
        flags = {}
        for key in ("continue_on_step_failure", "force_rerun"):
            value = raw.get(key, False)
            if not isinstance(value, bool):
                self.findings.warn("invalid_setting", f"settings.{key} must be true or false")
                value = False
            flags[key] = value
        return {"default_compute": self._compute(default, None), **flags}

    def _compute(self, value: Any, node: str | None) -> str | None:
        if value is None:
            return None
        text = str(value)
        for key in (text, text.removeprefix("azureml:")):
            if key in self.compute_map:
                return self.compute_map[key]
        if text.removeprefix("azureml:") in self.pools:
            return text.removeprefix("azureml:")
        where = f"job '{node}'" if node else "settings.default_compute"
        message = (
            f"{where}: compute {text!r} is not a Conveyor pool; using the default pool "
            "(map it with CONVEYOR_COMPUTE_MAP)"
        )
        self.findings.warn("unknown_compute", message, node)
        return None

    def _layout(self, nodes: list[dict[str, Any]]) -> None:
        """Left to right by topological depth, for nodes the YAML gave no position."""
        graph: nx.DiGraph[str] = nx.DiGraph()
        graph.add_nodes_from(node["id"] for node in nodes)
        graph.add_edges_from((e["source"], e["target"]) for e in self.edges)
        depth: dict[str, int] = {}
        for node_id in nx.topological_sort(graph):
            depth[node_id] = max((depth[p] + 1 for p in graph.predecessors(node_id)), default=0)
        rows: dict[int, int] = {}
        for node in nodes:
            if node["position"] is None:
                column = depth[node["id"]]
                row = rows.get(column, 0)
                rows[column] = row + 1
                node["position"] = {"x": column * X_STEP, "y": row * Y_STEP}


def _pipeline_name(data: dict[str, Any], path: Path) -> str:
    for key in ("display_name", "name", "experiment_name"):
        if isinstance(data.get(key), str) and data[key].strip():
            return str(data[key]).strip()
    return path.stem


def _position_tag(job: dict[str, Any]) -> dict[str, float] | None:
    tags = job.get("tags") if isinstance(job.get("tags"), dict) else {}
    text = (tags or {}).get(POSITION_TAG)
    try:
        x, y = (float(part) for part in str(text).split(","))
    except ValueError:
        return None
    return {"x": int(x) if x.is_integer() else x, "y": int(y) if y.is_integer() else y}


__all__ = ["UNSET", "ImportResult", "Importer"]
