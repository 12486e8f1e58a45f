"""Which API tokens a user may see or revoke: only their own, active ones (staff too)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from designer.core.models import ApiToken


def tokens_visible_to(user: Any) -> QuerySet[ApiToken]:
    """The caller's own active tokens; nobody, staff included, lists another user's keys."""
    tokens = ApiToken.objects.filter(revoked_at__isnull=True)
    if user is None or not user.is_authenticated:
        return tokens.none()
    return tokens.filter(user_id=user.pk)
