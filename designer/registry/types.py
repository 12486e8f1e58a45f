"""Value types shared by the spec parser, the pipeline validator and the engine (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DATA_TYPES = ("uri_folder", "uri_file", "mltable", "mlflow_model", "custom_model")
PRIMITIVE_TYPES = ("string", "integer", "number", "boolean")
INPUT_TYPES = DATA_TYPES + PRIMITIVE_TYPES
OUTPUT_TYPES = DATA_TYPES

RESERVED_PORT_NAMES = frozenset(
    {"path", "ld_library_path", "user", "logname", "home", "pwd", "shell"}
)


@dataclass(frozen=True)
class Problem:
    """One finding about a spec: `field` is a dotted path such as `inputs.lr.default`."""

    field: str
    message: str
    line: int | None = None
    column: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "message": self.message,
            "line": self.line,
            "column": self.column,
        }


class SpecError(ValueError):
    """A component spec was rejected; `problems` lists every reason."""

    def __init__(self, problems: list[Problem], source: str = "") -> None:
        self.problems = problems
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__(prefix + "; ".join(f"{p.field}: {p.message}" for p in problems))


@dataclass(frozen=True)
class PortSpec:
    """One input or output of a component."""

    name: str
    type: str
    optional: bool = False
    has_default: bool = False
    default: Any = None
    min: float | int | None = None
    max: float | int | None = None
    enum: tuple[str, ...] | None = None
    description: str = ""

    @property
    def is_data(self) -> bool:
        return self.type in DATA_TYPES

    @property
    def required(self) -> bool:
        """An input the user must bind: neither optional nor defaulted."""
        return not self.optional and not self.has_default


@dataclass(frozen=True)
class ComponentSpec:
    """A parsed, validated Azure ML command component."""

    name: str
    version: str
    command: str
    display_name: str = ""
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, PortSpec] = field(default_factory=dict)
    outputs: dict[str, PortSpec] = field(default_factory=dict)
    code: str | None = None
    environment: Any = None
    is_deterministic: bool = True
    resources: Any = None
    distribution: Any = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class ParsedSpec:
    """A spec plus the warnings found while parsing it."""

    spec: ComponentSpec
    warnings: list[Problem] = field(default_factory=list)
