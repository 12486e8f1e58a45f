"""A Conveyor pipeline document -> an Azure ML pipeline job YAML (pure: no Django).

The YAML imports back to the same document: jobs keep the node ids, `tags` keep the canvas
positions, `limits.timeout` the node timeout, and data inputs that point at uploaded
datasets are written as local files under `./data/`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from designer.pipelines.azureml_common import BUILTIN_REGISTRY, PIPELINE_SCHEMA_URL, POSITION_TAG
from designer.registry.types import DATA_TYPES, ComponentSpec


@dataclass(frozen=True)
class ComponentFile:
    """Where one component's spec and code go in the exported folder."""

    ref: str
    spec_path: str  # e.g. components/train/train.yml
    code_path: str | None  # e.g. components/train/src


def component_files(specs: Mapping[str, ComponentSpec]) -> dict[str, ComponentFile]:
    """One folder per component (`<name>`, or `<name>_<version>` when versions share a name)."""
    names = [spec.name for spec in specs.values()]
    files: dict[str, ComponentFile] = {}
    for ref, spec in specs.items():
        folder = spec.name if names.count(spec.name) == 1 else f"{spec.name}_{spec.version}"
        code = posixpath.normpath(spec.code) if spec.code else None
        # A code folder above the spec (`../src`) needs the spec that many levels deeper.
        ups = code.split("/").count("..") if code else 0
        spec_dir = posixpath.join("components", folder, *(["spec"] * ups))
        code_path = posixpath.normpath(posixpath.join(spec_dir, code)) if code else None
        files[ref] = ComponentFile(ref, f"{spec_dir}/{spec.name}.yml", code_path)
    return files


def pipeline_yaml(
    document: dict[str, Any],
    specs: Mapping[str, ComponentSpec],
    files: Mapping[str, ComponentFile],
    data_files: Mapping[str, str],
    registered: Mapping[str, str] | None = None,
) -> str:
    """The pipeline job YAML text of a document.

    specs: node component ref -> spec. files: ref -> where its spec is written (anonymous
    components). data_files: pipeline input default (a dataset path) -> its path in the
    export. registered: ref -> how a job names a registered component (named versions).
    """
    outputs_of = _output_bindings(document)
    body: dict[str, Any] = {
        "$schema": PIPELINE_SCHEMA_URL,
        "type": "pipeline",
        "display_name": document.get("name", "pipeline"),
    }
    if document.get("description"):
        body["description"] = document["description"]
    body["inputs"] = {
        name: _input(decl, data_files) for name, decl in (document.get("inputs") or {}).items()
    }
    body["outputs"] = {
        name: {"type": _output_type(document, out, specs)}
        for name, out in (document.get("outputs") or {}).items()
    }
    body["settings"] = _settings(document.get("settings") or {})
    incoming = _incoming(document)
    body["jobs"] = {
        node["id"]: _job(
            node,
            _component_field(node["component"], files, registered or {}),
            incoming.get(node["id"], {}),
            outputs_of.get(node["id"], {}),
        )
        for node in document.get("nodes", [])
    }
    for key in ("inputs", "outputs"):
        if not body[key]:
            del body[key]
    return yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)


def _input(decl: dict[str, Any], data_files: Mapping[str, str]) -> dict[str, Any]:
    result: dict[str, Any] = {"type": decl.get("type", "string")}
    if "default" in decl and decl["default"] is not None:
        default = decl["default"]
        if result["type"] in DATA_TYPES:
            result["path"] = data_files.get(default, default)
        else:
            result["default"] = default
    if decl.get("optional"):
        result["optional"] = True
    if decl.get("description"):
        result["description"] = decl["description"]
    return result


def _output_type(document: dict[str, Any], out: Any, specs: Mapping[str, ComponentSpec]) -> str:
    node = next((n for n in document.get("nodes", []) if n.get("id") == out.get("node")), None)
    spec = specs.get(node["component"]) if node else None
    port = spec.outputs.get(out.get("port", "")) if spec else None
    return port.type if port else "uri_folder"


def _settings(settings: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if settings.get("default_compute"):
        result["default_compute"] = settings["default_compute"]
    result["continue_on_step_failure"] = bool(settings.get("continue_on_step_failure"))
    result["force_rerun"] = bool(settings.get("force_rerun"))
    return result


def _incoming(document: dict[str, Any]) -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = {}
    for edge in document.get("edges", []):
        binding = f"${{{{parent.jobs.{edge['source']}.outputs.{edge['source_port']}}}}}"
        result.setdefault(edge["target"], {})[edge["target_port"]] = binding
    return result


def _output_bindings(document: dict[str, Any]) -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = {}
    for name, out in (document.get("outputs") or {}).items():
        ports = result.setdefault(out["node"], {})
        ports.setdefault(out["port"], f"${{{{parent.outputs.{name}}}}}")
    return result


def _component_field(
    ref: str, files: Mapping[str, ComponentFile], registered: Mapping[str, str]
) -> str:
    if ref in registered:
        return registered[ref]
    return f"./{files[ref].spec_path}"


def registered_ref(name: str, version: str, *, builtin: bool) -> str:
    """How a pipeline YAML names a registered component: built-ins live in the `azureml`
    registry, everything else published on purpose in the workspace (`azureml:name:v`)."""
    if builtin:
        return f"azureml://registries/{BUILTIN_REGISTRY}/components/{name}/versions/{version}"
    return f"azureml:{name}:{version}"


def _job(
    node: dict[str, Any],
    component: str,
    incoming: dict[str, str],
    outputs: dict[str, str],
) -> dict[str, Any]:
    job: dict[str, Any] = {"type": "command", "component": component}
    if node.get("display_name"):
        job["display_name"] = node["display_name"]
    if node.get("compute"):
        job["compute"] = node["compute"]
    timeout = (node.get("settings") or {}).get("timeout_seconds")
    if timeout:
        job["limits"] = {"timeout": timeout}
    position = node.get("position")
    if isinstance(position, dict):
        job["tags"] = {POSITION_TAG: f"{position.get('x', 0)},{position.get('y', 0)}"}
    inputs: dict[str, Any] = {}
    for port, binding in (node.get("inputs") or {}).items():
        if "pipeline_input" in binding:
            inputs[port] = f"${{{{parent.inputs.{binding['pipeline_input']}}}}}"
        else:
            inputs[port] = binding.get("value")
    inputs.update(incoming)
    if inputs:
        job["inputs"] = inputs
    if outputs:
        job["outputs"] = outputs
    return job
