"""Helpers around the pipeline document as stored: canonical text and an empty document.

Documents are stored exactly as given (after validation); `canonical_json` is only the
form used for hashing and for comparing two documents.
"""

from __future__ import annotations

import json
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


def node_compute(doc: dict[str, Any], node: dict[str, Any]) -> str:
    """The compute pool a node runs on: its own, else settings.default_compute, else 'cpu'."""
    compute = node.get("compute")
    if isinstance(compute, str):
        return compute
    settings = doc.get("settings")
    default = settings.get("default_compute") if isinstance(settings, dict) else None
    return default if isinstance(default, str) else DEFAULT_COMPUTE
