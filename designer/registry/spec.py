"""Parse and validate Azure ML CLI v2 command component YAML (pure: no Django)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from designer.core.yamlsafe import LimitedSafeLoader, safe_load
from designer.registry.command import (
    CommandSyntaxError,
    OptionalBlock,
    Placeholder,
    parse_command,
)
from designer.registry.hints import parse_hints
from designer.registry.spec_ports import Findings, parse_bool, parse_ports
from designer.registry.types import (
    ComponentSpec,
    ParsedSpec,
    PortSpec,
    Problem,
    SpecError,
)

NAME_RE = re.compile(r"^[a-z][a-z0-9_.\-]*$")
NAME_MAX_LENGTH = 255
REMOTE_CODE_RE = re.compile(r"^(azureml:|[a-z][a-z0-9+.\-]*://|git\+)", re.IGNORECASE)

KNOWN_KEYS = frozenset(
    [
        "$schema",
        "name",
        "version",
        "display_name",
        "description",
        "tags",
        "type",
        "inputs",
        "outputs",
        "code",
        "command",
        "environment",
        "is_deterministic",
        "resources",
        "distribution",
    ]
)
NOT_APPLIED = ("resources", "distribution")
# Input types whose values are checked as numbers at submit and again at render, so they
# may sit where bash evaluates arithmetic (docs/components.md, "Arithmetic").
ARITHMETIC_TYPES = frozenset({"integer", "number", "boolean"})


class _UniqueKeyLoader(LimitedSafeLoader):
    """The limited safe loader, refusing duplicate keys, which PyYAML would silently overwrite."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key if isinstance(key, str) else id(key))
        return super().construct_mapping(node, deep=deep)


def parse_component_yaml(text: str, *, source: str = "") -> ParsedSpec:
    """Parse and validate a command component YAML document.

    text: the YAML text of the spec.
    source: where the text came from (a path), used in the error message.
    Raises SpecError listing every problem found.
    """
    try:
        data = safe_load(text, loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = f"not valid YAML: {exc.problem or exc.context}"
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise SpecError([Problem("yaml", message, line, column)], source) from exc
    except yaml.YAMLError as exc:
        raise SpecError([Problem("yaml", f"not valid YAML: {exc}")], source) from exc
    return parse_component_dict(data, source=source)


def parse_component_dict(data: Any, *, source: str = "") -> ParsedSpec:
    """Validate an already loaded component spec.

    data: the loaded YAML document (should be a mapping).
    source: where the spec came from (a path), used in the error message.
    Raises SpecError listing every problem found.
    """
    if not isinstance(data, dict):
        found = type(data).__name__ if data is not None else "an empty document"
        message = f"a component spec must be a mapping of fields, found {found}"
        raise SpecError([Problem("spec", message)], source)
    findings = Findings()
    _check_top_level_keys(data, findings)
    for key, value in data.items():
        if key != "command":  # the command parser names the NUL's position itself
            _check_nul(value, str(key), findings)
    inputs = parse_ports(data.get("inputs"), "inputs", findings)
    outputs = parse_ports(data.get("outputs"), "outputs", findings)
    for name in sorted(set(inputs) & set(outputs)):
        findings.error(f"outputs.{name}", f"{name!r} is declared both as an input and an output")
    command = _parse_command_field(data, findings)
    if command:
        _check_command(command, inputs, outputs, findings)
    spec = ComponentSpec(
        name=_parse_name(data, findings),
        version=_parse_version(data, findings),
        command=command,
        display_name=_optional_text(data, "display_name", findings),
        description=_optional_text(data, "description", findings),
        tags=_parse_tags(data.get("tags"), findings),
        inputs=inputs,
        outputs=outputs,
        code=_parse_code(data, findings),
        environment=data.get("environment"),
        is_deterministic=parse_bool(data, "is_deterministic", True, findings),
        resources=data.get("resources"),
        distribution=data.get("distribution"),
        raw=data,
    )
    parse_hints(spec.tags, inputs, findings)  # reports malformed conveyor.* tags
    if findings.errors:
        raise SpecError(findings.errors, source)
    return ParsedSpec(spec=spec, warnings=findings.warnings)


def _check_nul(value: Any, where: str, found: Findings) -> None:
    """NUL is refused anywhere in a spec: PostgreSQL cannot store it, and no tool wants it."""
    if (isinstance(value, str) and "\x00" in value) or "\x00" in where:
        found.error(where.replace("\x00", "\\0"), "contains a NUL character")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_nul(item, f"{where}.{key}", found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_nul(item, f"{where}[{index}]", found)


def _check_top_level_keys(data: dict[Any, Any], found: Findings) -> None:
    for key in data:
        if key not in KNOWN_KEYS:
            found.warn(str(key), "unknown field, ignored")
    kind = data.get("type", "command")
    if kind != "command":
        found.error("type", f"only `command` components are supported, not {kind!r}")
    for key in NOT_APPLIED:
        if data.get(key) is not None:
            found.warn(key, f"`{key}` is recorded but not applied when running locally")


def _parse_name(data: dict[Any, Any], found: Findings) -> str:
    name = data.get("name")
    if name is None or name == "":
        found.error("name", "is required")
        return ""
    if not isinstance(name, str):
        found.error("name", f"must be a string, not {type(name).__name__}")
        return ""
    if len(name) > NAME_MAX_LENGTH:
        found.error("name", f"must be at most {NAME_MAX_LENGTH} characters, not {len(name)}")
    if not NAME_RE.match(name):
        found.error(
            "name",
            f"{name!r} must start with a lowercase letter and contain only lowercase "
            "letters, digits, `_`, `.` and `-`",
        )
    return name


def _parse_version(data: dict[Any, Any], found: Findings) -> str:
    version = data.get("version")
    if version is None or (isinstance(version, str) and not version.strip()):
        found.error("version", "is required")
        return ""
    if isinstance(version, bool) or not isinstance(version, str | int | float):
        found.error("version", f"must be a string or a number, not {version!r}")
        return ""
    if isinstance(version, float):
        # YAML read `1.10` as the number 1.1: the text the author meant is already lost.
        found.warn("version", f"was read as the number {version}; quote it to keep it exact")
    if isinstance(version, str) and (version != version.strip() or "@" in version):
        found.error("version", f"{version!r} must not contain spaces or `@`")
    return str(version)


def _optional_text(data: dict[Any, Any], key: str, found: Findings) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        found.error(key, f"must be a string, not {type(value).__name__}")
        return ""
    return value


def _parse_tags(tags: Any, found: Findings) -> dict[str, str]:
    if tags is None:
        return {}
    if isinstance(tags, list) and all(isinstance(t, str) for t in tags):
        return dict.fromkeys(tags, "")
    if not isinstance(tags, dict):
        found.error("tags", "must be a mapping of tag to value or a list of tag names")
        return {}
    result: dict[str, str] = {}
    for key, value in tags.items():
        if isinstance(value, dict | list):
            found.error(f"tags.{key}", "must be a plain value, not a mapping or list")
            continue
        result[str(key)] = "" if value is None else str(value)
    return result


def _parse_code(data: dict[Any, Any], found: Findings) -> str | None:
    code = data.get("code")
    if code is None:
        return None
    if not isinstance(code, str) or not code.strip():
        found.error("code", "must be a folder path relative to the spec file")
        return None
    if code.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", code):
        found.error("code", f"{code!r} must be relative to the spec file, not absolute")
    elif REMOTE_CODE_RE.match(code):
        found.error("code", f"{code!r} is remote; Conveyor needs a local folder")
    return code


def _parse_command_field(data: dict[Any, Any], found: Findings) -> str:
    command = data.get("command")
    if command is None:
        found.error("command", "is required")
        return ""
    if not isinstance(command, str) or not command.strip():
        found.error("command", "must be a non-empty string")
        return ""
    return command


def _check_command(
    command: str, inputs: dict[str, PortSpec], outputs: dict[str, PortSpec], found: Findings
) -> None:
    try:
        segments = parse_command(command)
    except CommandSyntaxError as exc:
        found.error("command", str(exc))
        return
    used: set[str] = set()
    for segment in segments:
        if isinstance(segment, Placeholder):
            used.add(_check_reference(segment, False, inputs, outputs, found))
        elif isinstance(segment, OptionalBlock):
            _check_block(segment, found)
            for placeholder in segment.placeholders:
                used.add(_check_reference(placeholder, True, inputs, outputs, found))
    for where, ports in (("inputs", inputs), ("outputs", outputs)):
        for name in ports:
            if f"{where}.{name}" not in used:
                found.warn(f"{where}.{name}", "is declared but not used by the command")


def _check_block(block: OptionalBlock, found: Findings) -> None:
    text = "".join(p if isinstance(p, str) else f"${{{{{p.expression}}}}}" for p in block.parts)
    if block.bare:
        bare = block.placeholders[0].expression
        message = f"`$[[{bare}]]` is read as `$[[${{{{{bare}}}}}]]`; write it so"
        found.warn("command", message)
    elif not any(p.kind == "inputs" for p in block.placeholders):
        found.warn("command", f"optional block `$[[{text}]]` uses no input, so it always renders")


def _check_reference(
    placeholder: Placeholder,
    in_block: bool,
    inputs: dict[str, PortSpec],
    outputs: dict[str, PortSpec],
    found: Findings,
) -> str:
    shown = f"`${{{{{placeholder.expression}}}}}`"
    kind, name = placeholder.kind, placeholder.name
    if kind is None or name is None:
        found.error(
            "command",
            f"unknown reference {shown}: use ${{{{inputs.<name>}}}} or ${{{{outputs.<name>}}}}",
        )
        return ""
    ports = inputs if kind == "inputs" else outputs
    if name not in ports:
        found.error("command", f"{shown} refers to undeclared {kind[:-1]} {name!r}")
        return ""
    if not placeholder.is_safe:
        found.error(
            "command", f"{shown} sits in {placeholder.context}, where it cannot be quoted safely"
        )
    port = ports[name]
    if placeholder.arithmetic and (kind != "inputs" or port.type not in ARITHMETIC_TYPES):
        found.error(
            "command",
            f"{shown} sits in {placeholder.arithmetic_context}, where bash runs `$(...)` "
            f"hidden in a value; only integer, number or boolean inputs may go there",
        )
    if kind == "inputs" and in_block and not port.optional:
        found.error(
            "command", f"required input {name!r} must not be inside an optional block $[[ ]]"
        )
    if kind == "inputs" and not in_block and port.optional and not port.has_default:
        found.error(
            "command",
            f"optional input {name!r} without a default must be inside an optional block $[[ ]]",
        )
    return placeholder.expression
