"""Pipelines in Python, in the style of azure.ai.ml's `dsl.pipeline`.

    train = load_component("components/train/train.yml")

    @pipeline(name="demo", default_compute="cpu")
    def demo(lr: float = 0.1, data: Input = Input(type="uri_file")):
        step = train(training_data=data, lr=lr)
        step.compute = "gpu"
        return {"model": step.outputs.model}

    job = demo()          # job.document is the JSON the canvas saves

Steps are named after the variables that hold them (`step` above), else after their
component, so a pipeline written here matches the same pipeline imported from YAML.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from designer.core.yamlsafe import safe_load

DATA_TYPES = ("uri_folder", "uri_file", "mltable", "mlflow_model", "custom_model")
X_STEP, Y_STEP = 280, 140
_MISSING: Any = object()
_ACTIVE: list[_Builder] = []


@dataclass
class Input:
    """A pipeline input declaration (use it as a parameter default).

    path: a local file or folder; `Client.submit` uploads it as a dataset of yours and the
    input's default becomes its reference (as the YAML import does with `path: ./x`).
    """

    type: str = "string"
    default: Any = _MISSING
    optional: bool = False
    description: str = ""
    path: str | Path | None = None

    def declaration(self) -> dict[str, Any]:
        kind = self.type
        if self.path is not None and kind not in DATA_TYPES:
            kind = "uri_folder" if Path(self.path).is_dir() else "uri_file"
        decl: dict[str, Any] = {"type": kind}
        if self.default is not _MISSING:
            decl["default"] = self.default
        decl.update(optional=self.optional, description=self.description)
        return decl


@dataclass
class Output:
    """A pipeline output type (informational: outputs point at step outputs)."""

    type: str = "uri_folder"


@dataclass(frozen=True)
class PipelineInputRef:
    name: str


@dataclass(frozen=True)
class OutputRef:
    step: Step
    port: str


class _Outputs:
    def __init__(self, step: Step, names: list[str]) -> None:
        self._step, self._names = step, names

    def __getattr__(self, port: str) -> OutputRef:
        if port not in self._names:
            raise AttributeError(f"{self._step.component.ref} has no output {port!r}")
        return OutputRef(self._step, port)


@dataclass(eq=False)
class Step:
    """One use of a component in a pipeline; set `compute`, `name` or `timeout_seconds`."""

    component: Component
    inputs: dict[str, Any]
    name: str | None = None
    compute: str | None = None
    display_name: str | None = None
    timeout_seconds: int | None = None

    @property
    def outputs(self) -> _Outputs:
        return _Outputs(self, list(self.component.outputs))


@dataclass
class Component:
    """A component loaded from its YAML spec; call it inside a @pipeline to add a step."""

    path: Path
    name: str
    version: str
    display_name: str
    inputs: dict[str, dict[str, Any]]
    outputs: dict[str, dict[str, Any]]

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def __call__(self, **values: Any) -> Step:
        if not _ACTIVE:
            raise RuntimeError(f"call {self.name} inside a function decorated with @pipeline")
        unknown = sorted(set(values) - set(self.inputs))
        if unknown:
            raise TypeError(
                f"{self.ref} has no input {unknown[0]!r} (it has {sorted(self.inputs)})"
            )
        step = Step(self, values)
        _ACTIVE[-1].steps.append(step)
        return step


def load_component(path: str | Path) -> Component:
    """Read a command component YAML file."""
    source = Path(path)
    spec = safe_load(source.read_text(encoding="utf-8"))
    if not isinstance(spec, dict) or "name" not in spec or "version" not in spec:
        raise ValueError(f"{source} is not a component spec (it needs `name` and `version`)")
    return Component(
        path=source.resolve(),
        name=str(spec["name"]),
        version=str(spec["version"]),
        display_name=str(spec.get("display_name") or ""),
        inputs=dict(spec.get("inputs") or {}),
        outputs=dict(spec.get("outputs") or {}),
    )


@dataclass
class PipelineJob:
    """A built pipeline: its document, the component files and the local data it uses."""

    document: dict[str, Any]
    components: list[Component] = field(default_factory=list)
    # pipeline input -> a local file or folder to upload as its default (Input(path=...)).
    data: dict[str, Path] = field(default_factory=dict)

    def component_files(self) -> list[Path]:
        return sorted({component.path for component in self.components})


@dataclass(eq=False)
class PipelineStep:
    """A @pipeline called inside another: its steps are flattened into the outer pipeline
    as `<name>__<step>`, as the YAML import flattens a pipeline component."""

    name: str
    steps: list[Any]
    names: dict[str, Any]
    result: Any

    @property
    def outputs(self) -> _GroupOutputs:
        return _GroupOutputs(self)


class _GroupOutputs:
    def __init__(self, group: PipelineStep) -> None:
        self._group = group

    def __getattr__(self, port: str) -> OutputRef:
        found = (self._group.result or {}).get(port)
        if not isinstance(found, OutputRef):
            raise AttributeError(f"pipeline {self._group.name!r} returns no output {port!r}")
        return found


@dataclass
class _Builder:
    steps: list[Step] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)


def pipeline(
    name: str | None = None,
    *,
    description: str = "",
    default_compute: str | None = None,
    continue_on_step_failure: bool = False,
    force_rerun: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., PipelineJob]]:
    """Decorate a function whose body calls components; calling it builds a PipelineJob."""
    settings = {
        "default_compute": default_compute,
        "continue_on_step_failure": continue_on_step_failure,
        "force_rerun": force_rerun,
    }

    def decorate(func: Callable[..., Any]) -> Callable[..., PipelineJob]:
        @functools.wraps(func)
        def build(**overrides: Any) -> Any:
            if _ACTIVE:  # called inside another @pipeline: a nested pipeline
                return _nested(func, name or func.__name__, overrides)
            inputs = _signature_inputs(func, overrides)
            builder = _Builder()
            _ACTIVE.append(builder)
            try:
                result, names = _call_recording_locals(func, inputs)
            finally:
                _ACTIVE.pop()
            meta = {"name": name or func.__name__, "description": description or ""}
            document = _document(meta, inputs, settings, builder.steps, names, result)
            leaves = list(_leaves(builder.steps))
            return PipelineJob(
                document, [s.component for s in leaves], _local_data(func, overrides)
            )

        return build

    return decorate


def _nested(func: Callable[..., Any], name: str, values: dict[str, Any]) -> PipelineStep:
    """Run an inner pipeline's body with the outer values bound to its parameters."""
    bound: dict[str, Any] = {}
    for param in inspect.signature(func).parameters.values():
        if param.name in values:
            bound[param.name] = values[param.name]
        elif isinstance(param.default, Input):
            bound[param.name] = None if param.default.default is _MISSING else param.default.default
        elif param.default is not inspect.Parameter.empty:
            bound[param.name] = param.default
    unknown = sorted(set(values) - set(bound))
    if unknown:
        raise TypeError(f"pipeline {name!r} has no input {unknown[0]!r}")
    builder = _Builder()
    _ACTIVE.append(builder)
    try:
        result, names = _call_recording_locals(func, bound, direct=True)
    finally:
        _ACTIVE.pop()
    group = PipelineStep(name, builder.steps, names, result)
    _ACTIVE[-1].steps.append(group)
    return group


def _leaves(steps: list[Any]) -> Any:
    for step in steps:
        if isinstance(step, PipelineStep):
            yield from _leaves(step.steps)
        else:
            yield step


def _local_data(func: Callable[..., Any], overrides: dict[str, Any]) -> dict[str, Path]:
    data: dict[str, Path] = {}
    for param in inspect.signature(func).parameters.values():
        value = overrides.get(param.name, param.default)
        if isinstance(value, Input) and value.path is not None:
            data[param.name] = Path(value.path).resolve()
    return data


def _signature_inputs(func: Callable[..., Any], overrides: dict[str, Any]) -> dict[str, Any]:
    declared: dict[str, Any] = {}
    for param in inspect.signature(func).parameters.values():
        value = overrides.get(param.name, param.default)
        if isinstance(value, Input):
            declared[param.name] = value.declaration()
        elif value is inspect.Parameter.empty:
            declared[param.name] = {"type": "string", "optional": False, "description": ""}
        else:
            declared[param.name] = Input(_literal_type(value), value).declaration()
    return declared


def _call_recording_locals(
    func: Callable[..., Any], inputs: dict[str, Any], *, direct: bool = False
) -> tuple[Any, dict[str, Any]]:
    """Call `func`, capturing its local variables when it returns (to name the steps)."""
    captured: dict[str, Any] = {}
    code = getattr(func, "__code__", None)

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "return" and frame.f_code is code:
            captured.update(frame.f_locals)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        arguments = inputs if direct else {name: PipelineInputRef(name) for name in inputs}
        result = func(**arguments)
    finally:
        sys.setprofile(previous)
    return result, captured


def _literal_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


def _step_ids(steps: list[Any], names: dict[str, Any], prefix: str = "") -> dict[int, str]:
    by_step = {id(v): k for k, v in names.items() if isinstance(v, Step | PipelineStep)}
    ids: dict[int, str] = {}
    taken: set[str] = set()
    for step in steps:
        own = step.component.name if isinstance(step, Step) else step.name
        explicit = step.name if isinstance(step, Step) else None
        base = explicit or by_step.get(id(step)) or own
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}_{n}", n + 1
        taken.add(candidate)
        if isinstance(step, PipelineStep):
            ids.update(_step_ids(step.steps, step.names, f"{prefix}{candidate}__"))
        else:
            ids[id(step)] = prefix + candidate
    return ids


def _document(
    meta: dict[str, str],
    inputs: dict[str, Any],
    settings: dict[str, Any],
    steps: list[Step],
    names: dict[str, Any],
    result: Any,
) -> dict[str, Any]:
    ids = _step_ids(steps, names)
    nodes, edges = [], []
    for step in _leaves(steps):
        node_id = ids[id(step)]
        bindings: dict[str, Any] = {}
        for port, value in step.inputs.items():
            if isinstance(value, OutputRef):
                edges.append(
                    {"source": ids[id(value.step)], "source_port": value.port}
                    | {"target": node_id, "target_port": port}
                )
            elif isinstance(value, PipelineInputRef):
                bindings[port] = {"pipeline_input": value.name}
            else:
                bindings[port] = {"value": value}
        nodes.append(_node(step, node_id, bindings))
    _layout(nodes, edges)
    outputs = {
        name: {"node": ids[id(ref.step)], "port": ref.port}
        for name, ref in (result or {}).items()
        if isinstance(ref, OutputRef)
    }
    order = {node["id"]: i for i, node in enumerate(nodes)}
    return {
        "schema_version": 1,
        **meta,
        "inputs": inputs,
        "outputs": outputs,
        "settings": dict(settings),
        "nodes": nodes,
        "edges": sorted(edges, key=lambda e: (order[e["target"]], e["target_port"])),
    }


def _node(step: Step, node_id: str, bindings: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": node_id,
        "component": step.component.ref,
        "display_name": step.display_name or step.component.display_name or node_id,
        "position": None,
        "inputs": bindings,
        "compute": step.compute,
        "settings": {"timeout_seconds": step.timeout_seconds},
    }


def _layout(nodes: list[dict[str, Any]], edges: list[dict[str, str]]) -> None:
    """Left to right by depth (longest path from a source), as the YAML import does."""
    depth: dict[str, int] = {}
    parents: dict[str, list[str]] = {node["id"]: [] for node in nodes}
    for edge in edges:
        parents[edge["target"]].append(edge["source"])

    def depth_of(node_id: str) -> int:
        if node_id not in depth:
            depth[node_id] = max((depth_of(p) + 1 for p in parents[node_id]), default=0)
        return depth[node_id]

    rows: dict[int, int] = {}
    for node in nodes:
        column = depth_of(node["id"])
        node["position"] = {"x": column * X_STEP, "y": rows.get(column, 0) * Y_STEP}
        rows[column] = rows.get(column, 0) + 1
