"""What a pipeline job runs: a component file, a registered component, an inline command job
or a nested pipeline component (pure: the registry is reached through a resolver)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from designer.pipelines.azureml_common import (
    BUILTIN_REGISTRY,
    COMMAND_SCHEMA_URL,
    REGISTRY_RE,
    UNSUPPORTED_TYPES,
    Findings,
    ImportIssue,
    YamlImportError,
    azure_only_uri,
    inside,
    load_yaml_text,
    safe_name,
)
from designer.registry.spec import parse_component_dict
from designer.registry.types import ComponentSpec, SpecError

Resolver = Callable[[str], ComponentSpec | None]
MAX_DEPTH = 16
# Component files are registered anonymously; until then their version is a placeholder.
ANONYMOUS_PREFIX = "anonymous-"


@dataclass(frozen=True)
class PendingComponent:
    """A component file the import registers anonymously: its YAML text and code folder.

    `spec.version` is a placeholder until the registry derives the real one from content.
    """

    spec: ComponentSpec
    yaml_text: str
    base_dir: Path | None = None
    code_dir: Path | None = None


@dataclass(frozen=True)
class CommandTarget:
    spec: ComponentSpec


@dataclass(frozen=True)
class PipelineTarget:
    data: dict[str, Any]
    base_dir: Path
    where: str
    # The file it was read from (None when inline): to detect files that include themselves.
    source: Path | None = None


Target = CommandTarget | PipelineTarget


@dataclass
class Loader:
    """Loads what jobs reference, keeping every file inside the bundle root."""

    root: Path
    resolve: Resolver
    findings: Findings
    components: dict[str, PendingComponent] = field(default_factory=dict)
    # Built-in components only: `azureml://registries/azureml/components/<name>/...`.
    resolve_builtin: Resolver | None = None

    def target(
        self, job: dict[str, Any], node: str, base_dir: Path, *, name: str, ports: dict[str, Any]
    ) -> Target | None:
        """The component a job runs, or None after recording why it cannot run here."""
        kind = job.get("type")
        if kind in UNSUPPORTED_TYPES:
            return self._unsupported(node, UNSUPPORTED_TYPES[kind])
        component = job.get("component")
        if component is None:
            if "command" in job:
                return self._inline_command(job, node, base_dir, name, ports)
            message = f"job '{node}' has no `component` or `command`"
            self.findings.error("invalid_job", message, node)
            return None
        if isinstance(component, dict):
            return self._from_dict(component, node, base_dir, f"job '{node}'", yaml_text=None)
        if not isinstance(component, str):
            self.findings.error("invalid_job", f"job '{node}': `component` must be a string", node)
            return None
        return self._from_ref(component, node, base_dir)

    def _unsupported(self, node: str, feature: str) -> Any:
        """Record that the job needs Azure ML; returns None for `return self._unsupported()`."""
        message = f"job '{node}' uses {feature}, which only run on Azure ML"
        self.findings.error("unsupported_feature", message, node)
        return None

    def _from_ref(self, ref: str, node: str, base_dir: Path) -> Target | None:
        registry = REGISTRY_RE.match(ref)
        if registry and registry["registry"] == BUILTIN_REGISTRY and self.resolve_builtin:
            version = registry["version"] or "latest"
            spec = self.resolve_builtin(f"{registry['name']}@{version}")
            if spec is None:
                message = f"job '{node}': the {BUILTIN_REGISTRY} registry has no {ref!r}"
                self.findings.error("unknown_component", message, node)
                return None
            return CommandTarget(spec)
        if ref.startswith("azureml://"):
            return self._unsupported(node, azure_only_uri(ref) or "azureml:// URIs")
        if ref.startswith("azureml:"):
            return self._registered(ref.removeprefix("azureml:"), node)
        path = (base_dir / ref.removeprefix("file:")).resolve()
        if not inside(self.root, path):
            message = f"job '{node}': component file {ref!r} is outside the uploaded folder"
            self.findings.error("missing_file", message, node)
            return None
        if not path.is_file():
            message = f"job '{node}': component file {ref!r} not found (include it in the bundle)"
            self.findings.error("missing_file", message, node)
            return None
        text = path.read_text(encoding="utf-8")
        try:
            data = load_yaml_text(text, ref)
        except YamlImportError as exc:
            self.findings.errors += [ImportIssue(node, None, i.code, i.message) for i in exc.issues]
            return None
        target = self._from_dict(data, node, path.parent, ref, yaml_text=text)
        if isinstance(target, PipelineTarget):
            return replace(target, source=path)
        return target

    def _registered(self, ref: str, node: str) -> Target | None:
        if "@" in ref:
            name, version = ref.split("@", 1)
        else:
            name, _, version = ref.partition(":")
        spec = self.resolve(f"{name}@{version or 'latest'}")
        if spec is None:
            message = f"job '{node}': component {name}@{version or 'latest'} is not registered"
            self.findings.error("unknown_component", message, node)
            return None
        return CommandTarget(spec)

    def _from_dict(
        self, data: Any, node: str, base_dir: Path, where: str, *, yaml_text: str | None
    ) -> Target | None:
        if not isinstance(data, dict):
            self.findings.error("invalid_component", f"{where} is not a mapping", node)
            return None
        kind = data.get("type", "command")
        if kind == "pipeline":
            return PipelineTarget(data, base_dir, where)
        if kind in UNSUPPORTED_TYPES:
            return self._unsupported(node, UNSUPPORTED_TYPES[kind])
        text = yaml_text if yaml_text is not None else yaml.safe_dump(data, sort_keys=False)
        return self._command(data, text, node, where, base_dir=base_dir, code_dir=None)

    def _command(
        self,
        data: dict[str, Any],
        text: str,
        node: str,
        where: str,
        *,
        base_dir: Path | None,
        code_dir: Path | None,
    ) -> Target | None:
        try:
            # Component files are anonymous: `version:` may be left out.
            provisional = f"{ANONYMOUS_PREFIX}{len(self.components) + 1}"
            spec = parse_component_dict({**data, "version": provisional}, source=where).spec
        except SpecError as exc:
            for problem in exc.problems:
                message = f"job '{node}': {where}: {problem.field}: {problem.message}"
                self.findings.error("invalid_component", message, node)
            return None
        if not self._code_ok(spec, node, base_dir, code_dir):
            return None
        # The same file met twice is one component; the registry derives the real version.
        key = (text, str(base_dir), str(code_dir))
        for pending in self.components.values():
            if (pending.yaml_text, str(pending.base_dir), str(pending.code_dir)) == key:
                return CommandTarget(pending.spec)
        self.components[spec.ref] = PendingComponent(spec, text, base_dir, code_dir)
        return CommandTarget(spec)

    def _code_ok(
        self, spec: ComponentSpec, node: str, base_dir: Path | None, code_dir: Path | None
    ) -> bool:
        if spec.code is None or code_dir is not None:
            return True
        folder = ((base_dir or self.root) / spec.code).resolve()
        if inside(self.root, folder) and folder.is_dir():
            return True
        message = f"job '{node}': code folder {spec.code!r} of {spec.ref} is not in the bundle"
        self.findings.error("missing_file", message, node)
        return False

    def _inline_command(
        self, job: dict[str, Any], node: str, base_dir: Path, name: str, ports: dict[str, Any]
    ) -> Target | None:
        """A command job written in the pipeline: a generated, content-versioned component."""
        spec: dict[str, Any] = {
            "$schema": COMMAND_SCHEMA_URL,
            "name": safe_name(name),
            "display_name": job.get("display_name") or name,
            "type": "command",
            "inputs": ports.get("inputs", {}),
            "outputs": ports.get("outputs", {}),
            "command": job.get("command"),
        }
        if job.get("environment") is not None:
            spec["environment"] = job["environment"]
        code_dir = None
        if job.get("code") is not None:
            code_dir = self._inline_code(job["code"], node, base_dir)
            if code_dir is None:
                return None
            spec["code"] = "./code"
        text = yaml.safe_dump(spec, sort_keys=False)  # anonymous: the registry versions it
        return self._command(spec, text, node, f"job '{node}'", base_dir=None, code_dir=code_dir)

    def _inline_code(self, code: Any, node: str, base_dir: Path) -> Path | None:
        if not isinstance(code, str) or azure_only_uri(code):
            return self._unsupported(node, f"remote code ({code!r})")
        folder = (base_dir / code).resolve()
        if inside(self.root, folder) and folder.is_dir():
            return folder
        message = f"job '{node}': code folder {code!r} is not in the bundle"
        self.findings.error("missing_file", message, node)
        return None
