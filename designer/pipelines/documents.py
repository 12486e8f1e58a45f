"""Helpers around the pipeline document as stored: canonical text and an empty document.

Documents are stored exactly as given (after validation); `canonical_json` is only the
form used for hashing and for comparing two documents.
"""

from __future__ import annotations

import json
import re
from typing import Any

SCHEMA_VERSION = 1
DEFAULT_COMPUTE = "cpu"


def canonical_json(doc: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: equal documents give equal strings."""
    # NaN/Infinity are not JSON; refusing them keeps hashes portable to the browser.
    return json.dumps(
        doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def new_document(name: str) -> dict[str, Any]:
    """An empty, valid document named `name`, with the default settings."""
    return {
        "schema_version": SCHEMA_VERSION,
        "name": name,
        "description": "",
        "inputs": {},
        "outputs": {},
        "settings": {
            "default_compute": DEFAULT_COMPUTE,
            "continue_on_step_failure": False,
            "force_rerun": False,
        },
        "nodes": [],
        "edges": [],
    }


COMPUTE_BINDING_RE = re.compile(r"^\$\{\{\s*parent\.inputs\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")


def compute_input(compute: Any) -> str | None:
    """The pipeline input a node's `compute: ${{parent.inputs.x}}` names, else None."""
    match = COMPUTE_BINDING_RE.match(compute) if isinstance(compute, str) else None
    return match.group(1) if match else None


def compute_bind(
    doc: dict[str, Any], values: dict[str, Any], compute_map: dict[str, str] | None = None
) -> None:
    """Replace each `compute: ${{parent.inputs.x}}` by the value of x for this run (submit).

    values: the run's pipeline input values, defaults applied. compute_map: Azure compute
    names -> pools (CONVEYOR_COMPUTE_MAP), as the import maps them. An unset x means the
    default pool; any other value is left for the validator to check against the pools.
    """
    mapping = compute_map or {}
    for node in doc.get("nodes") or []:
        name = compute_input(node.get("compute"))
        if name is None:
            continue
        value = values.get(name)
        if value in (None, ""):
            node["compute"] = None
            continue
        text = str(value)
        bare = text.removeprefix("azureml:")
        node["compute"] = mapping.get(text, mapping.get(f"azureml:{bare}", bare))


def node_compute(doc: dict[str, Any], node: dict[str, Any]) -> str:
    """The compute pool a node runs on: its own, else settings.default_compute, else 'cpu'."""
    compute = node.get("compute")
    if isinstance(compute, str):
        return compute
    settings = doc.get("settings")
    default = settings.get("default_compute") if isinstance(settings, dict) else None
    return default if isinstance(default, str) else DEFAULT_COMPUTE
