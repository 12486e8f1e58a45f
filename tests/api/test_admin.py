"""The Django admin: every Conveyor model is registered and its pages load for a superuser."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def conveyor_models() -> list[Any]:
    return [m for m in apps.get_models() if m.__module__.startswith("designer.")]


def test_conveyor_has_models_to_administer() -> None:
    labels = {m._meta.label for m in conveyor_models()}
    assert {
        "core.ApiToken",
        "registry.Component",
        "registry.ComponentVersion",
        "pipelines.Pipeline",
        "pipelines.PipelineVersion",
    } <= labels


@pytest.mark.parametrize("model", conveyor_models(), ids=lambda m: m._meta.label)
def test_every_model_is_registered_in_the_admin(model: Any) -> None:
    assert admin.site.is_registered(model)


@pytest.mark.parametrize("model", conveyor_models(), ids=lambda m: m._meta.label)
def test_every_changelist_loads_for_a_superuser(
    model: Any, admin_user_: Any, owner: Any, builtins: Any
) -> None:
    from designer.core.models import ApiToken
    from designer.pipelines.services import pipeline_create

    ApiToken.issue(user=owner, name="listed")
    pipeline_create(name="listed", owner=owner)
    client = Client()
    client.force_login(admin_user_)
    meta = model._meta
    response = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert response.status_code == 200
    first = model.objects.first()
    if first is not None:
        change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
        assert client.get(change).status_code == 200


def test_the_admin_is_closed_to_people_who_are_not_staff(owner: Any) -> None:
    client = Client()
    client.force_login(owner)
    response = client.get(reverse("admin:registry_component_changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]
