"""Editor hints for a component's inputs, carried in its `tags` (pure: no Django).

Azure ML keeps `tags` as a free map of strings it never interprets, so a spec carrying
these keys loads in Azure ML unchanged (docs/components.md, "Editor hints"):

    conveyor.editor.<input>: python | expression   a code editor; python is syntax-checked
    conveyor.column.<input>: <table input>         one column name of that input's table
    conveyor.columns.<input>: <table input>        a comma-separated list of its columns
    conveyor.applies.<input>: <input>=<v>[,<v>]    show only while that input has such a value
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import Any

from designer.registry.spec_ports import Findings
from designer.registry.types import PortSpec

PREFIX = "conveyor."
KINDS = ("editor", "column", "columns", "applies")
EDITORS = ("python", "expression")
TABLE_TYPES = ("uri_folder", "uri_file", "mltable")


@dataclass(frozen=True)
class InputHints:
    """What the designer should offer for one input."""

    editor: str | None = None
    columns_from: str | None = None
    columns_multiple: bool = False
    applies_input: str | None = None
    applies_values: tuple[str, ...] = ()


def parse_hints(
    tags: dict[str, str], inputs: dict[str, PortSpec], found: Findings | None = None
) -> dict[str, InputHints]:
    """The hints of each input, read from the spec's tags.

    tags: the parsed `tags` of the spec.
    inputs: the parsed inputs of the spec.
    found: collects a problem per malformed hint (skipped from the result).
    """
    found = found if found is not None else Findings()
    hints: dict[str, InputHints] = {}
    for key, value in tags.items():
        if not key.startswith(PREFIX):
            continue
        where = f"tags.{key}"
        kind, _, name = key[len(PREFIX) :].partition(".")
        if kind not in KINDS or not name:
            found.warn(where, f"unknown hint; use conveyor.<{'|'.join(KINDS)}>.<input>")
            continue
        port = inputs.get(name)
        if port is None:
            found.error(where, f"refers to undeclared input {name!r}")
            continue
        problem = _hint_problem(kind, port, value.strip(), inputs)
        if problem:
            found.error(where, problem)
            continue
        hints[name] = replace(hints.get(name, InputHints()), **_hint_fields(kind, value.strip()))
    return hints


def _hint_problem(kind: str, port: PortSpec, value: str, inputs: dict[str, PortSpec]) -> str:
    if kind in ("editor", "column", "columns") and port.type != "string":
        return f"applies to string inputs only; {port.name!r} is {port.type}"
    if kind == "editor":
        return "" if value in EDITORS else f"must be one of {', '.join(EDITORS)}, not {value!r}"
    if kind in ("column", "columns"):
        source = inputs.get(value)
        if source is None or source.type not in TABLE_TYPES:
            return f"must name a table input ({', '.join(TABLE_TYPES)}), not {value!r}"
        return ""
    other, sep, values = value.partition("=")
    source = inputs.get(other.strip())
    if not sep or source is None or not values.strip():
        return f"must read <input>=<value>[,<value>...] naming a declared input, not {value!r}"
    if source.name == port.name:
        return "an input cannot depend on itself"
    allowed = _allowed_values(source)
    wrong = [v for v in _split(values) if allowed is not None and v not in allowed]
    if wrong:
        return f"{', '.join(wrong)} is not a value of {source.name!r} ({', '.join(allowed or ())})"
    return ""


def _allowed_values(port: PortSpec) -> tuple[str, ...] | None:
    if port.enum:
        return tuple(str(v) for v in port.enum)
    if port.type == "boolean":
        return ("true", "false")
    return None


def _split(values: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in values.split(",") if v.strip())


def _hint_fields(kind: str, value: str) -> dict[str, Any]:
    if kind == "editor":
        return {"editor": value}
    if kind in ("column", "columns"):
        return {"columns_from": value, "columns_multiple": kind == "columns"}
    other, _, values = value.partition("=")
    return {"applies_input": other.strip(), "applies_values": _split(values)}


def python_syntax_problem(source: str) -> str | None:
    """The first syntax error of Python `source` with its line, None when it parses.

    The code is parsed, never compiled or run.
    """
    try:
        ast.parse(source, mode="exec")
    except SyntaxError as exc:
        if exc.lineno is None:
            return f"Python code cannot be parsed: {exc.msg}"
        where = f"line {exc.lineno}" + (f", column {exc.offset}" if exc.offset else "")
        return f"Python syntax error at {where}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"Python code cannot be parsed: {type(exc).__name__}"
    return None
