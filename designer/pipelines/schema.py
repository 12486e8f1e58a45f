"""JSON Schema (draft 2020-12) of the pipeline document, version 1, and its error reporting.

The schema checks shape only (keys, JSON types, patterns); everything that needs the
component catalog or the graph lives in `designer.pipelines.validation`. It is served at
`/api/pipeline-schema/` so the canvas, CLI and SDK check the same shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from designer.core.issues import Issue
from designer.registry.types import INPUT_TYPES

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError


NODE_ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$"
PORT_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
# `name@version`; `name@latest` is allowed here and resolved by the caller's resolver.
COMPONENT_REF_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*@[A-Za-z0-9_][A-Za-z0-9_.+-]*$"
SCHEMA_ID = "https://conveyor.dev/schemas/pipeline-document/v1.json"

_NULLABLE_STRING = {"type": ["string", "null"]}

PIPELINE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "Conveyor pipeline document",
    "description": "One version of a pipeline: nodes, edges, pipeline inputs and outputs.",
    "type": "object",
    "required": ["schema_version", "name", "nodes", "edges"],
    "additionalProperties": False,
    "properties": {
        "schema_version": {
            "title": "Schema version",
            "description": "Version of this document format; always 1.",
            "const": 1,
        },
        "name": {
            "title": "Name",
            "description": "Pipeline name.",
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
        },
        "description": {"title": "Description", "type": "string"},
        "inputs": {
            "title": "Pipeline inputs",
            "description": "Parameters and data given when a run is submitted.",
            "type": "object",
            "propertyNames": {"pattern": PORT_NAME_PATTERN},
            "additionalProperties": {"$ref": "#/$defs/pipeline_input"},
        },
        "outputs": {
            "title": "Pipeline outputs",
            "description": "Named outputs of the pipeline, each pointing at a node output.",
            "type": "object",
            "propertyNames": {"pattern": PORT_NAME_PATTERN},
            "additionalProperties": {"$ref": "#/$defs/pipeline_output"},
        },
        "settings": {"$ref": "#/$defs/settings"},
        "nodes": {
            "title": "Nodes",
            "description": "The steps of the pipeline, one per component use.",
            "type": "array",
            "items": {"$ref": "#/$defs/node"},
        },
        "edges": {
            "title": "Edges",
            "description": "Connections from a node output to a node input.",
            "type": "array",
            "items": {"$ref": "#/$defs/edge"},
        },
    },
    "$defs": {
        "pipeline_input": {
            "title": "Pipeline input",
            "type": "object",
            "required": ["type"],
            "additionalProperties": False,
            "properties": {
                "type": {"title": "Type", "enum": list(INPUT_TYPES)},
                "default": {
                    "title": "Default",
                    "description": "Value used when a run gives none; a path or URI for data.",
                },
                "optional": {"title": "Optional", "type": "boolean"},
                "description": {"title": "Description", "type": "string"},
            },
        },
        "pipeline_output": {
            "title": "Pipeline output",
            "type": "object",
            "required": ["node", "port"],
            "additionalProperties": False,
            "properties": {
                "node": {"title": "Node id", "type": "string", "pattern": NODE_ID_PATTERN},
                "port": {"title": "Output port", "type": "string", "pattern": PORT_NAME_PATTERN},
            },
        },
        "settings": {
            "title": "Pipeline settings",
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "default_compute": {
                    **_NULLABLE_STRING,
                    "title": "Default compute",
                    "description": "Compute pool of nodes without their own; null means 'cpu'.",
                },
                "continue_on_step_failure": {
                    "title": "Continue on step failure",
                    "description": "Keep running steps that do not depend on a failed one.",
                    "type": "boolean",
                },
                "force_rerun": {
                    "title": "Force rerun",
                    "description": "Run every step even when a cached result exists.",
                    "type": "boolean",
                },
            },
        },
        "node": {
            "title": "Node",
            "type": "object",
            "required": ["id", "component"],
            "additionalProperties": False,
            "properties": {
                "id": {"title": "Node id", "type": "string", "pattern": NODE_ID_PATTERN},
                "component": {
                    "title": "Component",
                    "description": "`name@version`, or `name@latest`.",
                    "type": "string",
                    "pattern": COMPONENT_REF_PATTERN,
                },
                "display_name": {"title": "Display name", "type": "string"},
                "position": {
                    "title": "Canvas position",
                    "type": "object",
                    "required": ["x", "y"],
                    "additionalProperties": False,
                    "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
                },
                "inputs": {
                    "title": "Input values and bindings",
                    "type": "object",
                    "propertyNames": {"pattern": PORT_NAME_PATTERN},
                    "additionalProperties": {"$ref": "#/$defs/binding"},
                },
                "compute": {
                    **_NULLABLE_STRING,
                    "title": "Compute",
                    "description": "Compute pool; null means settings.default_compute.",
                },
                "settings": {
                    "title": "Node settings",
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "timeout_seconds": {
                            "title": "Timeout (seconds)",
                            "description": "Stop the step after this long; null: no limit.",
                            "type": ["integer", "null"],
                            "minimum": 1,
                        },
                        "limits": {
                            "title": "Resource limits",
                            "description": "Overrides of the compute pool's step limits, "
                            "capped at the pool's ceiling (docs/security.md).",
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                name: {"type": "integer", "minimum": 1}
                                for name in (
                                    "memory_mb",
                                    "processes",
                                    "file_size_mb",
                                    "cpu_seconds",
                                )
                            },
                        },
                    },
                },
            },
        },
        "binding": {
            "title": "Input binding",
            "description": 'Exactly one of {"value": literal} or {"pipeline_input": name}.',
            "oneOf": [
                {
                    "type": "object",
                    "required": ["value"],
                    "additionalProperties": False,
                    "properties": {"value": {"title": "Literal value"}},
                },
                {
                    "type": "object",
                    "required": ["pipeline_input"],
                    "additionalProperties": False,
                    "properties": {
                        "pipeline_input": {
                            "title": "Pipeline input name",
                            "type": "string",
                            "pattern": PORT_NAME_PATTERN,
                        },
                    },
                },
            ],
        },
        "edge": {
            "title": "Edge",
            "type": "object",
            "required": ["source", "source_port", "target", "target_port"],
            "additionalProperties": False,
            "properties": {
                "source": {"type": "string", "pattern": NODE_ID_PATTERN},
                "source_port": {"type": "string", "pattern": PORT_NAME_PATTERN},
                "target": {"type": "string", "pattern": NODE_ID_PATTERN},
                "target_port": {"type": "string", "pattern": PORT_NAME_PATTERN},
            },
        },
    },
}

_VALIDATOR = Draft202012Validator(PIPELINE_SCHEMA)
_BINDING_MESSAGE = 'must be exactly one of {"value": <literal>} or {"pipeline_input": "<name>"}'


def schema_errors(doc: Any) -> list[Issue]:
    """Every shape error of `doc`, as issues with code `schema`, in document order."""
    errors = sorted(_VALIDATOR.iter_errors(doc), key=lambda e: _sort_key(list(e.absolute_path)))
    issues = []
    for error in errors:
        path = list(error.absolute_path)
        node, port = _locate(doc, path)
        issues.append(Issue(node, port, "schema", f"{_field(path)}: {_message(error)}"))
    return issues


def _locate(doc: Any, path: list[str | int]) -> tuple[str | None, str | None]:
    """The node id and input port an error path points into, when it does."""
    if len(path) < 2 or path[0] != "nodes" or not isinstance(path[1], int):
        return None, None
    nodes = doc.get("nodes") if isinstance(doc, dict) else None
    item = nodes[path[1]] if isinstance(nodes, list) and path[1] < len(nodes) else None
    node_id = item.get("id") if isinstance(item, dict) else None
    node = node_id if isinstance(node_id, str) else None
    port = path[3] if len(path) >= 4 and path[2] == "inputs" else None
    return node, port if isinstance(port, str) else None


def _sort_key(path: list[str | int]) -> list[tuple[int, int, str]]:
    # Paths mix list indexes and keys; order indexes numerically so nodes[2] < nodes[10].
    return [(0, part, "") if isinstance(part, int) else (1, 0, part) for part in path]


def _field(path: list[str | int]) -> str:
    """`nodes[0].inputs.lr` style path; `(document)` for the root."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def _message(error: ValidationError) -> str:
    if error.validator == "oneOf" and _is_binding(error.schema):
        return _BINDING_MESSAGE
    message = str(best_match(error.context).message if error.context else error.message)
    # jsonschema quotes the whole offending instance; a huge one would drown the message.
    return message if len(message) <= 300 else message[:297] + "..."


def _is_binding(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("title") == "Input binding"
