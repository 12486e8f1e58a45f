"""Input and output bindings of pipeline jobs: literals, `${{parent...}}` references and
local data paths, resolved to where each value comes from (pure: no Django)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from designer.core.paths import PathRefused, path_gate, tree_gate
from designer.datastores.references import is_reference
from designer.pipelines.azureml_common import (
    PARENT_RE,
    PORT_RE,
    SIBLING_ANY_RE,
    SIBLING_RE,
    UNSET,
    Findings,
    Source,
    azure_only_uri,
    is_data_type,
    is_input_type,
    literal_type,
    port_name,
)

# Azure ML data modes. Here every input is a read-only folder or file the step reads in
# place (ro_mount, download, direct, eval_* all mean that) and every output a folder the
# step writes, ingested when it ends (rw_mount, upload, direct). docs/azureml-compatibility.md
INPUT_MODES = frozenset({"ro_mount", "download", "direct", "eval_mount", "eval_download"})
OUTPUT_MODES = frozenset({"rw_mount", "upload", "direct"})


@dataclass
class Scope:
    """One pipeline being expanded: the top one, or one use of a pipeline component."""

    prefix: str
    owner: str
    base_dir: Path
    key: tuple[int, ...]
    inputs: dict[str, Source] = field(default_factory=dict)
    declared_outputs: dict[str, Any] = field(default_factory=dict)
    bound_outputs: dict[str, Source] = field(default_factory=dict)


@dataclass
class Binder:
    """Resolves bindings; collects the document's pipeline inputs on the way."""

    root: Path
    dataset: Callable[[Path], str]
    findings: Findings
    doc_inputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    @staticmethod
    def sibling_refs(job: Any) -> Iterator[str]:
        """Names of sibling jobs whose outputs this job's inputs use."""
        inputs = job.get("inputs") if isinstance(job, dict) else None
        for raw in (inputs or {}).values() if isinstance(inputs, dict) else ():
            if isinstance(raw, str):
                yield from SIBLING_ANY_RE.findall(raw)

    # Declarations ----------------------------------------------------------------------

    def top_inputs(self, raw: Any, base_dir: Path) -> dict[str, Source]:
        """The pipeline job's own inputs become the document's pipeline inputs."""
        sources: dict[str, Source] = {}
        for name, value in (raw or {}).items() if isinstance(raw, dict) else ():
            if not PORT_RE.match(str(name)):
                self.findings.error("invalid_input", f"pipeline input name {name!r} is invalid")
                continue
            decl = self.declaration(value, base_dir, None, str(name))
            if decl is not None:
                self.doc_inputs[str(name)] = decl
                sources[str(name)] = Source("pipeline_input", name, type=decl["type"])
        return sources

    def declaration(
        self, raw: Any, base_dir: Path, node: str | None, name: str
    ) -> dict[str, Any] | None:
        """A pipeline input declaration from `3`, `{type, default}` or `{type, path}`."""
        if not isinstance(raw, dict):
            if raw is None:
                return {"type": "string", "optional": True, "description": ""}
            return {"type": literal_type(raw), "default": raw, "optional": False, "description": ""}
        kind = raw.get("type") or ("uri_folder" if "path" in raw else "string")
        if not is_input_type(kind):
            self._bad(node, name, f"type {kind!r} is not an input type Conveyor knows")
            return None
        mode = raw.get("mode")
        if mode is not None and mode not in INPUT_MODES:
            known = ", ".join(sorted(INPUT_MODES))
            self._bad(node, name, f"input mode {mode!r} is not one of {known}")
            return None
        decl: dict[str, Any] = {"type": kind}
        default = raw.get("default", raw.get("value"))
        if is_data_type(kind) and raw.get("path") is not None:
            default = self.data_path(raw["path"], base_dir, node, name)
        if default is not None:
            decl["default"] = default
        decl["optional"] = bool(raw.get("optional", False))
        decl["description"] = str(raw.get("description") or "")
        return decl

    def data_path(self, path: Any, base_dir: Path, node: str | None, name: str) -> str | None:
        """A data path: local files become datasets; URIs and absolute paths stay as text."""
        where = f"job '{node}' input '{name}'" if node else f"pipeline input '{name}'"
        if is_reference(path):
            return str(path)  # A datastore reference: validation checks it for the importer.
        feature = azure_only_uri(path)
        if feature is not None:
            message = f"{where} uses {feature}, which only work on Azure ML"
            self.findings.error("unsupported_feature", message, node, name)
            return None
        text = str(path).removeprefix("file:")
        if "://" in text or Path(text).is_absolute():
            return text
        try:
            # The gate: resolved (symlinks, `..`), inside the upload, a file or a folder.
            local = path_gate(self.root, os.path.relpath(base_dir / text, self.root))
            if local.is_dir():
                tree_gate(self.root, local)
        except (PathRefused, OSError):
            message = f"{where}: local path {text!r} is not a file or folder in the upload"
            self.findings.error("missing_file", message, node, name)
            return None
        return self.dataset(local)

    def nested_inputs(
        self, node: str, decls: Any, sources: dict[str, Source], base_dir: Path
    ) -> dict[str, Source]:
        """The inputs a pipeline component's jobs see: the job's bindings, else defaults."""
        decls = decls if isinstance(decls, dict) else {}
        for port in sources:
            if port not in decls:
                message = f"job '{node}' sets input '{port}', which its pipeline component lacks"
                self.findings.error("unknown_port", message, node, port)
        result: dict[str, Source] = {}
        for name, raw in decls.items():
            given = sources.get(name)
            if given is not None and given.kind != "unset":
                result[name] = given
                continue
            decl = self.declaration(raw, base_dir, node, name) or {"type": "string"}
            if "default" in decl and is_data_type(decl["type"]):
                result[name] = self._data_input(node, name, decl)
            elif "default" in decl:
                result[name] = Source("value", decl["default"], type=decl["type"])
            else:
                result[name] = Source("unset", type=decl["type"])
        return result

    # Job bindings ----------------------------------------------------------------------

    def job_sources(
        self,
        scope: Scope,
        node: str,
        job: dict[str, Any],
        jobs: dict[str, Any],
        results: dict[str, dict[str, Source] | None],
    ) -> dict[str, Source]:
        raw_inputs = job.get("inputs") or {}
        if not isinstance(raw_inputs, dict):
            self._bad(node, None, "`inputs` must be a mapping")
            return {}
        return {
            str(port): self._source(scope, node, str(port), raw, jobs, results)
            for port, raw in raw_inputs.items()
        }

    def _source(
        self,
        scope: Scope,
        node: str,
        port: str,
        raw: Any,
        jobs: dict[str, Any],
        results: dict[str, dict[str, Source] | None],
    ) -> Source:
        if isinstance(raw, dict):
            return self._dict_source(scope, node, port, raw)
        if not isinstance(raw, str) or "${{" not in raw:
            return Source("value", raw, type=None if raw is None else literal_type(raw))
        parent = PARENT_RE.match(raw)
        if parent and parent.group(1) == "inputs":
            found = scope.inputs.get(parent.group(2))
            if found is None:
                message = (
                    f"job '{node}' input '{port}' is bound to parent input "
                    f"'{parent.group(2)}', which does not exist"
                )
                self.findings.error("unknown_pipeline_input", message, node, port)
                return UNSET
            return found
        sibling = SIBLING_RE.match(raw)
        if sibling is None:
            self._bad(node, port, f"cannot bind {raw!r}: use a literal or ${{{{parent...}}}}")
            return UNSET
        return self._sibling(scope, node, port, sibling.group(1), sibling.group(2), jobs, results)

    def _sibling(
        self,
        scope: Scope,
        node: str,
        port: str,
        step: str,
        output: str,
        jobs: dict[str, Any],
        results: dict[str, dict[str, Source] | None],
    ) -> Source:
        where = f"job '{node}' input '{port}' is bound to"
        if step not in jobs:
            message = f"{where} job '{scope.prefix}{step}', which does not exist"
            self.findings.error("unknown_job", message, node, port)
            return UNSET
        outputs = results.get(step)
        if outputs is None:  # that job already failed to import, and said why
            return UNSET
        if output not in outputs:
            known = ", ".join(sorted(outputs)) or "none"
            message = (
                f"{where} output '{output}' of job '{scope.prefix}{step}', which has no such "
                f"output (it has: {known})"
            )
            self.findings.error("unknown_output", message, node, port)
            return UNSET
        return outputs[output]

    def _dict_source(self, scope: Scope, node: str, port: str, raw: dict[str, Any]) -> Source:
        decl = self.declaration(raw, scope.base_dir, node, port)
        if decl is None:
            return UNSET
        if is_data_type(decl["type"]):
            if "default" not in decl:
                self._bad(node, port, "a data input needs a `path`")
                return UNSET
            return self._data_input(node, port, decl)
        return Source("value", decl.get("default"), type=decl["type"])

    def _data_input(self, node: str, port: str, decl: dict[str, Any]) -> Source:
        """A job-level data path becomes a pipeline input, since nodes take no data literal."""
        name = port_name(f"{node}_{port}")
        self.doc_inputs[name] = {**decl, "optional": False}
        return Source("pipeline_input", name, type=decl["type"])

    def bind_output(self, scope: Scope, raw: Any, source: Source, node: str, port: str) -> None:
        """`outputs: {port: ${{parent.outputs.z}}}` exposes a node output as `z`."""
        mode = raw.get("mode") if isinstance(raw, dict) else None
        if mode is not None and mode not in OUTPUT_MODES:
            known = ", ".join(sorted(OUTPUT_MODES))
            message = f"job '{node}' output '{port}': mode {mode!r} is not one of {known}"
            self.findings.error("invalid_binding", message, node, port)
            return
        if raw is None or (isinstance(raw, dict) and raw.get("path") is None):
            return
        if isinstance(raw, dict):
            feature = azure_only_uri(raw["path"]) or "output paths"
            message = f"job '{node}' output '{port}' uses {feature}, which only work on Azure ML"
            self.findings.error("unsupported_feature", message, node, port)
            return
        match = PARENT_RE.match(str(raw))
        if match is None or match.group(1) != "outputs":
            usage = "an output binds only to ${{parent.outputs.<name>}}"
            self._bad(node, port, f"{usage}: {raw!r}")
            return
        target = match.group(2)
        if target not in scope.declared_outputs:
            message = (
                f"job '{node}' output '{port}' is bound to parent output '{target}', "
                "which the pipeline does not declare"
            )
            self.findings.error("unknown_pipeline_output", message, node, port)
        elif target in scope.bound_outputs:
            message = f"parent output '{target}' is bound twice (again by job '{node}')"
            self.findings.error("duplicate_output", message, node, port)
        else:
            scope.bound_outputs[target] = source

    def inline_ports(
        self, scope: Scope, job: dict[str, Any], sources: dict[str, Source]
    ) -> dict[str, Any]:
        """Port declarations of an inline command job, inferred from what feeds them."""
        inputs: dict[str, Any] = {}
        for port, src in sources.items():
            decl: dict[str, Any] = {"type": src.type or "string"}
            optional = src.kind == "unset" or (src.kind == "value" and src.value is None)
            if src.kind == "pipeline_input":
                optional = bool(self.doc_inputs.get(str(src.value), {}).get("optional"))
            if optional:
                decl["optional"] = True
            inputs[port] = decl
        outputs: dict[str, Any] = {}
        for port, raw in (job.get("outputs") or {}).items():
            kind = raw.get("type") if isinstance(raw, dict) else None
            match = PARENT_RE.match(raw) if isinstance(raw, str) else None
            declared = scope.declared_outputs.get(match.group(2)) if match else None
            if kind is None and isinstance(declared, dict):
                kind = declared.get("type")
            outputs[str(port)] = {"type": kind or "uri_folder"}
        return {"inputs": inputs, "outputs": outputs}

    def _bad(self, node: str | None, port: str | None, message: str) -> None:
        prefix = f"job '{node}'" + (f" input '{port}'" if port else "") + ": " if node else ""
        self.findings.error("invalid_binding", prefix + message, node, port)
