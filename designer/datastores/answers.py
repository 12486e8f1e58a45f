"""What answers say about data: references and store-relative names, never server paths."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from django.conf import settings


def step_inputs_public(inputs: dict[str, Any]) -> dict[str, Any]:
    """A step run's data inputs for an answer: the reference, or the upstream artifact's
    store-relative path, and the digest; the host path the step was given is left out."""
    public: dict[str, Any] = {}
    root = Path(settings.ARTIFACTS_DIR).resolve()
    for name, data in (inputs or {}).items():
        if not isinstance(data, dict):
            continue
        shown = {key: data[key] for key in ("reference", "sha256") if key in data}
        path = data.get("path")
        if isinstance(path, str):
            # Outside the store (a run from before datastores): not shown.
            with contextlib.suppress(ValueError):
                shown["artifact"] = Path(path).resolve().relative_to(root).as_posix()
        public[name] = shown
    return public
