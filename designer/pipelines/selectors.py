"""Which pipelines a user may see: the shared catalog, open to every signed-in member."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from designer.pipelines.models import Pipeline


def _signed_in(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def pipelines_visible_to(user: Any) -> QuerySet[Pipeline]:
    """Every pipeline for a signed-in user (SECURITY.md: a shared catalog), none otherwise."""
    pipelines = Pipeline.objects.select_related("owner")
    return pipelines if _signed_in(user) else pipelines.none()


def pipeline_for_user(user: Any, pipeline_id: int) -> Pipeline | None:
    """Pipeline `pipeline_id` if `user` may read it, else None."""
    return pipelines_visible_to(user).filter(pk=pipeline_id).first()
