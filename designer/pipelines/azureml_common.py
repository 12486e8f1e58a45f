"""Shared pieces of Azure ML pipeline YAML import and export (pure: no Django)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from designer.core.issues import Issue
from designer.core.yamlsafe import safe_load
from designer.registry.types import DATA_TYPES, INPUT_TYPES

PIPELINE_SCHEMA_URL = "https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json"
COMMAND_SCHEMA_URL = "https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json"
POSITION_TAG = "conveyor.position"
# The built-in catalog is a registry in the Azure ML sense: azureml://registries/azureml/...
BUILTIN_REGISTRY = "azureml"
REGISTRY_RE = re.compile(
    r"^azureml://registries/(?P<registry>[^/]+)/components/(?P<name>[^/]+)"
    r"(?:/versions/(?P<version>[^/]+)|/labels/(?P<label>[^/]+))?/?$"
)

NODE_ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
PORT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
PARENT_RE = re.compile(r"^\$\{\{\s*parent\.(inputs|outputs)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")
SIBLING_RE = re.compile(
    r"^\$\{\{\s*parent\.jobs\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$"
)
SIBLING_ANY_RE = re.compile(r"\$\{\{\s*parent\.jobs\.([A-Za-z0-9_-]+)\.")

# Job and component types that only exist on Azure, with the words an error uses.
UNSUPPORTED_TYPES = {
    "spark": "Spark jobs",
    "automl": "AutoML jobs",
    "sweep": "sweep (hyperparameter tuning) jobs",
    "parallel": "parallel jobs",
    "data_transfer": "data transfer jobs",
    "import": "data import jobs",
    "classification": "AutoML jobs",
    "regression": "AutoML jobs",
    "forecasting": "AutoML jobs",
}
IGNORED_NAMES = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".DS_Store", ".git"})


# One import problem or warning: the one issue type of `designer.core.issues`.
ImportIssue = Issue


class YamlImportError(ValueError):
    """The YAML cannot become a pipeline; `issues` lists every reason."""

    def __init__(self, issues: list[ImportIssue]) -> None:
        self.issues = issues
        super().__init__("; ".join(issue.message for issue in issues))


@dataclass(frozen=True)
class Source:
    """Where a value comes from: a literal, a pipeline input, a node output or nothing."""

    kind: str  # "value" | "pipeline_input" | "output" | "unset"
    value: Any = None
    node: str = ""
    port: str = ""
    type: str | None = None


UNSET = Source("unset")


@dataclass
class Findings:
    """Errors and warnings collected while importing."""

    errors: list[ImportIssue] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)

    def error(
        self, code: str, message: str, node: str | None = None, port: str | None = None
    ) -> None:
        self.errors.append(ImportIssue(node, port, code, message))

    def warn(
        self, code: str, message: str, node: str | None = None, port: str | None = None
    ) -> None:
        self.warnings.append(ImportIssue(node, port, code, message))


def load_yaml_text(text: str, where: str) -> Any:
    """Parse YAML text; raise YamlImportError naming the file and line."""
    try:
        return safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f" line {mark.line + 1}" if mark else ""
        message = f"{where}:{line} is not valid YAML: {exc.problem}"
        raise YamlImportError([ImportIssue(None, None, "invalid_yaml", message)]) from None
    except yaml.YAMLError as exc:
        message = f"{where} is not valid YAML: {exc}"
        raise YamlImportError([ImportIssue(None, None, "invalid_yaml", message)]) from None


def literal_type(value: Any) -> str:
    """The primitive input type a YAML literal reads as."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


def is_data_type(kind: Any) -> bool:
    return kind in DATA_TYPES


def is_input_type(kind: Any) -> bool:
    return kind in INPUT_TYPES


def azure_only_uri(value: Any) -> str | None:
    """The Azure-only feature a path or reference names, or None."""
    if not isinstance(value, str):
        return None
    if value.startswith("azureml://datastores/") or "/datastores/" in value[:40]:
        return "datastore URIs (azureml://datastores/...)"
    if value.startswith("azureml://registries/"):
        return f"registries other than {BUILTIN_REGISTRY!r} (azureml://registries/...)"
    if value.startswith("azureml://"):
        return "azureml:// URIs"
    if value.startswith("azureml:"):
        return "registered data assets (azureml:name:version)"
    return None


def safe_name(text: str) -> str:
    """A component name (lowercase letters, digits, `_`, `.`, `-`) made from any text."""
    name = re.sub(r"[^a-z0-9_.\-]", "_", text.lower())
    return name if name[:1].isalpha() else f"c_{name}"


def port_name(text: str) -> str:
    """A pipeline input name (letters, digits, `_`) made from a node id and port."""
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def inside(root: Path, path: Path) -> bool:
    """True when `path` (resolved) lies within `root`."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True
