"""Parse and validate the `inputs` and `outputs` of a command component spec (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from designer.registry.types import (
    DATA_TYPES,
    INPUT_TYPES,
    OUTPUT_TYPES,
    RESERVED_PORT_NAMES,
    PortSpec,
    Problem,
)

PORT_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
INPUT_KEYS = frozenset({"type", "optional", "default", "min", "max", "enum", "description", "mode"})
OUTPUT_KEYS = frozenset({"type", "description", "mode"})


@dataclass
class Findings:
    """Collects every error and warning so the author sees them all at once."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, where: str, message: str) -> None:
        if Problem(where, message) not in self.errors:
            self.errors.append(Problem(where, message))

    def warn(self, where: str, message: str) -> None:
        if Problem(where, message) not in self.warnings:
            self.warnings.append(Problem(where, message))


def parse_bool(
    data: dict[Any, Any], key: str, default: bool, found: Findings, prefix: str = ""
) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        found.error(f"{prefix}{key}", f"must be true or false, not {value!r}")
        return default
    return value


def parse_ports(raw: Any, where: str, found: Findings) -> dict[str, PortSpec]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        found.error(where, f"must be a mapping of name to {where[:-1]} definition")
        return {}
    ports: dict[str, PortSpec] = {}
    lowered: dict[str, str] = {}
    for name, body in raw.items():
        if not _check_port_name(name, where, found):
            continue
        if name.lower() in lowered:
            found.error(f"{where}.{name}", f"clashes with {lowered[name.lower()]!r} (case)")
        lowered[name.lower()] = name
        port = _parse_port(name, body, where, found)
        if port is not None:
            ports[name] = port
    return ports


def _check_port_name(name: Any, where: str, found: Findings) -> bool:
    if not isinstance(name, str) or not PORT_NAME_RE.match(name):
        found.error(
            f"{where}.{name}",
            f"name {name!r} must be an identifier: a letter or `_`, then letters, digits, `_`",
        )
        return False
    if name.lower() in RESERVED_PORT_NAMES:
        reserved = ", ".join(sorted(RESERVED_PORT_NAMES))
        found.error(f"{where}.{name}", f"name {name!r} is reserved (reserved: {reserved})")
        return False
    return True


def _parse_port(name: str, body: Any, where: str, found: Findings) -> PortSpec | None:
    path = f"{where}.{name}"
    if not isinstance(body, dict) or "type" not in body:
        found.error(path, "must be a mapping with a `type`")
        return None
    allowed = INPUT_TYPES if where == "inputs" else OUTPUT_TYPES
    kind = body["type"]
    if kind not in allowed:
        found.error(f"{path}.type", f"unknown type {kind!r}; valid types: {', '.join(allowed)}")
        return None
    for key in body:
        if key not in (INPUT_KEYS if where == "inputs" else OUTPUT_KEYS):
            found.warn(f"{path}.{key}", f"unknown field for an {where[:-1]}, ignored")
    description = body.get("description") or ""
    if not isinstance(description, str):
        found.error(f"{path}.description", "must be a string")
        description = ""
    optional = where == "inputs" and parse_bool(body, "optional", False, found, f"{path}.")
    if where == "outputs" or kind in DATA_TYPES:
        if body.get("default") is not None:
            found.error(f"{path}.default", "a data input cannot have a default; bind it instead")
        for key in ("min", "max", "enum"):
            if key in body:
                found.error(f"{path}.{key}", f"`{key}` is not allowed on type {kind!r}")
        return PortSpec(name, kind, optional=optional, description=description)
    return _parse_primitive(name, kind, body, optional, description, found)


def _parse_primitive(
    name: str, kind: str, body: dict[Any, Any], optional: bool, description: str, found: Findings
) -> PortSpec:
    path = f"inputs.{name}"
    low, high = (
        _parse_bound(body, "min", kind, path, found),
        _parse_bound(body, "max", kind, path, found),
    )
    if low is not None and high is not None and low > high:
        found.error(f"{path}.min", f"min {low} is greater than max {high}")
        low = high = None
    enum = _parse_enum(body, kind, path, found)
    has_default = body.get("default") is not None
    default = body.get("default")
    if has_default and _check_default_type(default, kind, f"{path}.default", found):
        _check_default_value(default, low, high, enum, f"{path}.default", found)
    return PortSpec(
        name,
        kind,
        optional=optional,
        has_default=has_default,
        default=default,
        min=low,
        max=high,
        enum=enum,
        description=description,
    )


def _check_default_value(
    default: Any,
    low: float | None,
    high: float | None,
    enum: tuple[str, ...] | None,
    path: str,
    found: Findings,
) -> None:
    if low is not None and default < low:
        found.error(path, f"default {default} is below min {low}")
    if high is not None and default > high:
        found.error(path, f"default {default} is above max {high}")
    if enum is not None and default not in enum:
        found.error(path, f"default {default!r} is not one of {list(enum)}")


def _is_number(value: Any, kind: str) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (kind == "number" and isinstance(value, float))


def _parse_bound(
    body: dict[Any, Any], key: str, kind: str, path: str, found: Findings
) -> int | float | None:
    value = body.get(key)
    if value is None:
        return None
    if kind not in ("integer", "number"):
        found.error(f"{path}.{key}", f"`{key}` is only allowed on integer and number inputs")
        return None
    if not _is_number(value, kind):
        found.error(f"{path}.{key}", f"must be {'an integer' if kind == 'integer' else 'a number'}")
        return None
    bound: int | float = value
    return bound


def _parse_enum(
    body: dict[Any, Any], kind: str, path: str, found: Findings
) -> tuple[str, ...] | None:
    if "enum" not in body:
        return None
    enum = body["enum"]
    if kind != "string":
        found.error(f"{path}.enum", "`enum` is only allowed on string inputs")
        return None
    if not isinstance(enum, list) or not enum or not all(isinstance(v, str) for v in enum):
        found.error(f"{path}.enum", "must be a non-empty list of strings")
        return None
    return tuple(enum)


_EXPECTED = {
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "string": "a string (quote it in YAML)",
}


def _check_default_type(value: Any, kind: str, path: str, found: Findings) -> bool:
    if kind in ("integer", "number"):
        ok = _is_number(value, kind)
    elif kind == "boolean":
        ok = isinstance(value, bool)
    else:
        ok = isinstance(value, str)
    if not ok:
        found.error(path, f"default {value!r} is not {_EXPECTED[kind]} for type {kind!r}")
    return ok
