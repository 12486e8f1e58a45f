"""Who may change a pipeline: its owner or staff. Everyone signed in reads and clones."""

from __future__ import annotations

from typing import Any

from designer.pipelines.models import Pipeline


def pipeline_may_change(user: Any, pipeline: Pipeline) -> bool:
    """Save a version, archive, or re-import over it: the owner or staff."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_staff or pipeline.owner_id == user.pk)


def pipeline_change_refusal(pipeline: Pipeline) -> str:
    """Why a non-owner cannot change `pipeline`, naming the owner."""
    return (
        f"Only {pipeline.owner.username} (the owner) or an admin can change {pipeline.name!r};"
        " clone it to make your own."
    )
