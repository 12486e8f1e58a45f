"""Migration 0002 gives existing component names an owner from their history."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("registry", "0001_initial")]
AFTER = [("registry", "0002_component_owner")]


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_a_builtin_stays_the_systems_and_an_upload_goes_to_its_first_publisher(
    django_user_model: Any,
) -> None:
    user = django_user_model.objects.create_user(username="first", password="pw-first-1")
    later = django_user_model.objects.create_user(username="later", password="pw-later-1")
    try:
        apps = migrate(BEFORE)
        component_model = apps.get_model("registry", "Component")
        version_model = apps.get_model("registry", "ComponentVersion")

        def version(component: Any, number: str, source: str, by: Any) -> None:
            version_model.objects.create(
                component=component,
                version=number,
                spec={},
                yaml="",
                digest=number,
                source=source,
                created_by_id=by.pk if by else None,
            )

        builtin = component_model.objects.create(name="enter_data")
        version(builtin, "1", "builtin", None)
        version(builtin, "99", "upload", user)
        uploaded = component_model.objects.create(name="mine")
        version(uploaded, "1", "upload", user)
        version(uploaded, "2", "upload", later)
        by_command = component_model.objects.create(name="by_command")
        version(by_command, "1", "command", None)
        version(by_command, "2", "upload", later)

        apps = migrate(AFTER)
        owners = {
            c.name: (c.owner_id, c.owner_group_id)
            for c in apps.get_model("registry", "Component").objects.all()
        }
        assert owners == {
            "enter_data": (None, None),
            "mine": (user.pk, None),
            "by_command": (None, None),
        }
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
