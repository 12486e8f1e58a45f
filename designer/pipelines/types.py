"""Port-type rules of the pipeline document: which output may feed which input (pure).

An edge carries data only: its source is always a component *output* (outputs are data
types) and its target a data *input*. The table below says, for each source type, which
target types accept it. The canvas serves the same table from `/api/` through
`compatibility_matrix()`, so a connection the canvas allows is one the server accepts.

| source \\ target | uri_folder | uri_file | mltable | mlflow_model | custom_model |
|-----------------|------------|----------|---------|--------------|--------------|
| uri_folder      | yes        | no       | yes     | no           | yes          |
| uri_file        | no         | yes      | no      | no           | no           |
| mltable         | yes        | no       | yes     | no           | no           |
| mlflow_model    | yes        | no       | no      | yes          | yes          |
| custom_model    | yes        | no       | no      | no           | yes          |

Why:
- an MLTable is a folder holding an `MLTable` file, so it travels both ways with uri_folder;
- a model (MLflow or custom) is a folder on disk, so it can feed a uri_folder input, and a
  folder can feed a custom_model input (a custom model is "whatever is in this folder");
- an MLflow model *is* a custom model with a known layout, but not the other way round: a
  custom model folder has no MLmodel file, so custom_model -> mlflow_model is refused;
- a single file and a folder are different shapes on disk: uri_file <-> uri_folder is refused;
- nothing connects into a primitive (string, integer, number, boolean) input: those take a
  literal value or a pipeline input, never an edge.

Pipeline-input bindings use `binding_compatible`: data pipeline inputs follow the table,
primitive ones must match the port type exactly, except that an integer may feed a number.
"""

from __future__ import annotations

import json
import math
from typing import Any

from designer.registry.types import DATA_TYPES, PRIMITIVE_TYPES, PortSpec

COMPATIBILITY: dict[str, frozenset[str]] = {
    "uri_folder": frozenset({"uri_folder", "mltable", "custom_model"}),
    "uri_file": frozenset({"uri_file"}),
    "mltable": frozenset({"mltable", "uri_folder"}),
    "mlflow_model": frozenset({"mlflow_model", "custom_model", "uri_folder"}),
    "custom_model": frozenset({"custom_model", "uri_folder"}),
}


def compatible(source_type: str, target_type: str) -> bool:
    """True when an output of `source_type` may be connected to an input of `target_type`."""
    return target_type in COMPATIBILITY.get(source_type, frozenset())


def compatibility_matrix() -> dict[str, list[str]]:
    """The table as plain JSON (source type -> sorted accepted target types) for the canvas."""
    return {source: sorted(targets) for source, targets in COMPATIBILITY.items()}


def binding_compatible(pipeline_input_type: str, port_type: str) -> bool:
    """True when a pipeline input of one type may be bound to a node input of another."""
    if pipeline_input_type in DATA_TYPES:
        return compatible(pipeline_input_type, port_type)
    if pipeline_input_type in PRIMITIVE_TYPES and port_type in PRIMITIVE_TYPES:
        # An integer is a number; the reverse would silently truncate.
        return pipeline_input_type == port_type or (
            pipeline_input_type == "integer" and port_type == "number"
        )
    return False


def show(value: Any) -> str:
    """Render a value the way the user wrote it (JSON), for error messages."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def type_problem(type_name: str, value: Any) -> str | None:
    """Why `value` is not a literal of primitive `type_name`, or None when it is one."""
    # bool is a subclass of int in Python, but true is not 1 in a pipeline document.
    if type_name == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif type_name == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok and not math.isfinite(value):
            return f"{show(value)} is not a finite number"
    elif type_name == "boolean":
        ok = isinstance(value, bool)
    elif type_name == "string":
        ok = isinstance(value, str)
    elif type_name in DATA_TYPES:
        # A data default is a path or URI.
        ok = isinstance(value, str) and value != ""
        if not ok:
            return f"{show(value)} is not a path or URI (a non-empty string)"
    else:
        return f"unknown type {show(type_name)}"
    return None if ok else f"{show(value)} is not {_article(type_name)} {type_name}"


def value_problem(port: PortSpec, value: Any) -> str | None:
    """Why `value` cannot be given to `port` (type, min, max, enum), or None when it can.

    Parameters:
        port: the component input receiving the value.
        value: the literal from the document or from a run submission.
    """
    if port.is_data:
        return "a data input takes an edge or a pipeline_input, not a literal value"
    problem = type_problem(port.type, value)
    if problem is not None:
        return problem
    if port.enum is not None and value not in port.enum:
        allowed = ", ".join(show(v) for v in port.enum)
        return f"{show(value)} is not one of {allowed}"
    if port.type in ("integer", "number"):
        if port.min is not None and value < port.min:
            return f"{show(value)} is below the minimum {show(port.min)}"
        if port.max is not None and value > port.max:
            return f"{show(value)} is above the maximum {show(port.max)}"
    return None


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
