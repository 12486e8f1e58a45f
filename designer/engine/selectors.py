"""Which runs a user may see (SECURITY.md, "Who is who"): the submitter's own, or all for staff.

Step logs, outputs, previews, downloads and run events follow the run: whoever may see a
run may see all of it, and nobody else learns that it exists (a 404, never a 403).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from designer.engine.models import Run


def runs_visible_to(user: Any) -> QuerySet[Run]:
    """The runs `user` may see: every run for staff, their own for a member, none otherwise."""
    runs = Run.objects.select_related("pipeline", "pipeline_version", "user")
    if user is None or not user.is_authenticated or not user.is_active:
        return runs.none()
    return runs if user.is_staff else runs.filter(user=user)


def run_for_user(user: Any, run_id: int) -> Run | None:
    """Run `run_id` if `user` may see it, else None (whether or not it exists)."""
    return runs_visible_to(user).filter(pk=run_id).first()
