"""Which components a user may see: the whole catalog, for every signed-in member."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from designer.registry.models import Component


def components_visible_to(user: Any) -> QuerySet[Component]:
    """Every component for a signed-in user (they build pipelines from any), none otherwise."""
    components = Component.objects.select_related("owner", "owner_group")
    if user is None or not user.is_authenticated or not user.is_active:
        return components.none()
    return components


def component_for_user(user: Any, name: str) -> Component | None:
    return components_visible_to(user).prefetch_related("versions").filter(name=name).first()
