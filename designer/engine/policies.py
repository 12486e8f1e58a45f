"""What a user may do with a run they can see (SECURITY.md, "Who is who")."""

from __future__ import annotations

from typing import Any

from designer.engine.models import Run


def run_may_view(user: Any, run: Run) -> bool:
    """Submitter and staff read a run, its steps, logs, outputs and events."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_staff or run.user_id == user.pk)


def run_may_change(user: Any, run: Run) -> bool:
    """Cancel and rerun: the same people who may see it."""
    return run_may_view(user, run)
