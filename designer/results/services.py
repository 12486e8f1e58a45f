"""Reading and changing a run's label (name, description, tags)."""

from __future__ import annotations

from typing import Any

from designer.engine.models import Run
from designer.results.models import RunLabel

EMPTY: dict[str, Any] = {"name": "", "description": "", "tags": {}}


def run_label_data(run: Run) -> dict[str, Any]:
    """The run's name, description and tags ("" and {} when never set)."""
    try:
        label = run.label
    except RunLabel.DoesNotExist:
        return dict(EMPTY)
    return {"name": label.name, "description": label.description, "tags": label.tags}


def run_label_update(*, run: Run, changes: dict[str, Any]) -> dict[str, Any]:
    """Set some of name, description and tags (already validated); returns the label."""
    label, _ = RunLabel.objects.get_or_create(run=run)
    for field in ("name", "description", "tags"):
        if field in changes:
            setattr(label, field, changes[field])
    label.save()
    return run_label_data(run)
