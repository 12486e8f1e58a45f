"""Pure tests of the pipeline document; helpers to load the shared fixture files.

The fixtures in tests/fixtures/pipelines are also loaded by the frontend's unit tests.
Specs are built here from components.json directly, so these tests do not depend on the
YAML spec parser.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from designer.registry.types import ComponentSpec, PortSpec

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pipelines"
POOLS = ("cpu", "gpu", "highmem")


def load_document(name: str) -> dict[str, Any]:
    """A fresh copy of one fixture document (tests may mutate it)."""
    return copy.deepcopy(_read(f"{name}.json"))


@cache
def _read(filename: str) -> Any:
    return json.loads((FIXTURES / filename).read_text(encoding="utf-8"))


def port(name: str, raw: dict[str, Any]) -> PortSpec:
    enum = raw.get("enum")
    return PortSpec(
        name=name,
        type=raw["type"],
        optional=bool(raw.get("optional", False)),
        has_default="default" in raw,
        default=raw.get("default"),
        min=raw.get("min"),
        max=raw.get("max"),
        enum=tuple(enum) if enum is not None else None,
        description=raw.get("description", ""),
    )


def component(raw: dict[str, Any]) -> ComponentSpec:
    return ComponentSpec(
        name=raw["name"],
        version=str(raw["version"]),
        command=raw["command"],
        display_name=raw.get("display_name", ""),
        description=raw.get("description", ""),
        inputs={k: port(k, v) for k, v in raw.get("inputs", {}).items()},
        outputs={k: port(k, v) for k, v in raw.get("outputs", {}).items()},
        code=raw.get("code"),
        environment=raw.get("environment"),
        raw=raw,
    )


def catalog() -> dict[str, ComponentSpec]:
    """Every fixture component by `name@version`."""
    specs = [component(raw) for raw in _read("components.json")]
    return {spec.ref: spec for spec in specs}


def resolve(ref: str) -> ComponentSpec | None:
    return catalog().get(ref)


def known_name(name: str) -> bool:
    return any(spec.name == name for spec in catalog().values())
