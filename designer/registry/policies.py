"""Who owns a component name and who may publish versions of it (issue 10, section 3).

A name belongs to whoever first published it: a user, optionally with a group whose
members may publish too. Built-ins belong to the system. Only the owner, the group's
members, or staff publish new versions. `user=None` is the server itself (start-up sync,
`manage.py register_component`): someone with shell access, so nothing to refuse.
"""

from __future__ import annotations

from typing import Any

from designer.registry.models import Component


class PublishForbidden(PermissionError):
    """A user tried to publish a version of a name someone else owns."""

    def __init__(self, component: Component) -> None:
        self.name = component.name
        self.owner = component_owner(component)
        super().__init__(
            f"Component {component.name!r} belongs to {owner_label(self.owner)}; only "
            f"{_who_may(self.owner)} can publish new versions of it. Publish under another name."
        )


def component_owner(component: Component) -> dict[str, Any]:
    """The owner as the API shows it: {kind: system|user, name, group}."""
    if not component.claimed:
        return {"kind": "unclaimed", "name": None, "group": None}
    if component.is_system:
        return {"kind": "system", "name": "system", "group": None}
    owner = component.owner.username if component.owner is not None else None
    group = component.owner_group.name if component.owner_group is not None else None
    return {"kind": "user", "name": owner, "group": group}


def owner_label(owner: dict[str, Any]) -> str:
    if owner["kind"] == "system":
        return "the system (a built-in)"
    if owner["name"] and owner["group"]:
        return f"{owner['name']} and the group {owner['group']!r}"
    return str(owner["name"]) if owner["name"] else f"the group {owner['group']!r}"


def _who_may(owner: dict[str, Any]) -> str:
    if owner["kind"] == "system":
        return "an admin"
    people = [owner["name"]] if owner["name"] else []
    if owner["group"]:
        people.append(f"members of {owner['group']!r}")
    return ", ".join(people) + " or an admin"


def component_may_publish(user: Any, component: Component) -> bool:
    """May `user` add a version to `component` (an existing name)?"""
    if user is None:
        return True
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff or not component.claimed:  # unclaimed: only anonymous versions so far
        return True
    if component.is_system:
        return False
    if component.owner_id is not None and component.owner_id == user.pk:
        return True
    group_id = component.owner_group_id
    return group_id is not None and user.groups.filter(pk=group_id).exists()


def component_publish_check(user: Any, component: Component | None) -> None:
    """Raise PublishForbidden unless `user` may publish under `component`'s name (new: yes)."""
    if component is not None and not component_may_publish(user, component):
        raise PublishForbidden(component)


def group_may_own(user: Any, group: Any) -> bool:
    """A user names a group as co-owner only if they belong to it (staff: any group)."""
    if user is None or user.is_staff:
        return True
    return bool(user.groups.filter(pk=group.pk).exists())
