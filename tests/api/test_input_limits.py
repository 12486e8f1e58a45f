"""Issue 10 §6-7: deep JSON, big bodies, unknown fields and paths get a 4xx naming them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from designer.pipelines.models import Pipeline
from tests.api import assert_error_shape
from tests.engine import conftest as engine

components = engine.components
make_version = engine.make_version
document, node = engine.document, engine.node

pytestmark = pytest.mark.django_db

DEEP = "[" * 1000 + "]" * 1000


def post_raw(client: Any, url: str, body: str, content_type: str = "application/json") -> Any:
    return client.generic("POST", url, body, content_type=content_type)


@pytest.mark.parametrize(
    "url",
    [
        "/api/pipelines/",
        "/api/pipelines/validate/",
        "/api/runs/",
        "/api/components/",
        "/api/pipelines/import/",
        "/api/auth/token/",
    ],
)
def test_json_nested_a_thousand_levels_is_a_400_on_every_json_endpoint(api: Any, url: str) -> None:
    response = post_raw(api, url, json.dumps({"document": "x"})[:-1] + f', "deep": {DEEP}}}')
    assert response.status_code == 400, response.content[:300]
    assert_error_shape(response.json(), "parse_error")
    assert "deeper than 64" in response.json()["message"]


def test_a_deep_document_for_a_new_pipeline_is_refused_and_nothing_is_stored(api: Any) -> None:
    body = '{"name": "p", "document": {"nodes": [], "edges": [], "extra": ' + DEEP + "}}"
    response = post_raw(api, "/api/pipelines/", body)
    assert response.status_code == 400
    assert not Pipeline.objects.exists()


def test_json_just_inside_the_limit_is_parsed(api: Any) -> None:
    body = '{"document": ' + "[" * 60 + "]" * 60 + "}"
    response = post_raw(api, "/api/pipelines/validate/", body)
    assert response.status_code != 500 and response.json().get("code") != "parse_error"


def test_brackets_inside_json_strings_do_not_count_as_nesting(api: Any) -> None:
    body = json.dumps({"name": "[" * 5000, "description": "{" * 5000})
    response = post_raw(api, "/api/pipelines/", body)
    assert response.status_code == 400  # the name is too long, but it was parsed
    assert "name" in response.json()["details"]


def test_a_json_body_over_the_limit_is_a_json_413(api: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    response = post_raw(api, "/api/pipelines/", json.dumps({"name": "x" * 200_000}))
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert_error_shape(response.json(), "too_large")


def test_a_form_body_over_the_limit_is_a_json_413_not_the_html_page(
    api: Any, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    body = "name=" + "x" * 200_000
    response = post_raw(api, "/api/pipelines/", body, "application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert_error_shape(response.json(), "too_large")


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_any_method_on_an_unknown_api_path_is_a_json_404_even_with_session_csrf(
    owner: Any, method: str
) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.generic(method, "/api/no-such-thing/", "{}", content_type="application/json")
    assert response.status_code == 404
    assert_error_shape(response.json(), "not_found")


def test_a_misspelled_document_on_pipeline_create_is_refused_naming_it(api: Any) -> None:
    response = api.post("/api/pipelines/", {"name": "p", "documnet": {}}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert_error_shape(body)
    assert "documnet" in body["details"] and "document" in body["details"]["documnet"][0]
    assert not Pipeline.objects.exists()


def test_a_misspelled_document_on_version_save_is_refused_naming_it(
    api: Any, make_version: Any
) -> None:
    version = make_version(document([node("e", "t_echo@1", text="hi")]))
    url = f"/api/pipelines/{version.pipeline_id}/versions/"
    response = api.post(url, {"documnet": {}}, format="json")
    assert response.status_code == 400
    assert "documnet" in response.json()["details"]


def test_a_misspelled_inputs_on_run_submit_is_refused_naming_it(
    api: Any, make_version: Any
) -> None:
    version = make_version(document([node("e", "t_echo@1", text="hi")]))
    body = {"pipeline": version.pipeline_id, "inputz": {"text": "x"}}
    response = api.post("/api/runs/", body, format="json")
    assert response.status_code == 400
    assert "inputz" in response.json()["details"]


def test_an_unknown_field_on_sign_in_is_refused(owner: Any) -> None:
    body = {"username": "olivia", "password": "pw-olivia-1", "remember": True}
    response = APIClient().post("/api/auth/login/", body, format="json")
    assert response.status_code == 400
    assert "remember" in response.json()["details"]


@pytest.mark.parametrize("value", ["banana", 2, [], {"x": 1}, None])
def test_a_non_boolean_archived_is_refused(api: Any, make_version: Any, value: Any) -> None:
    version = make_version(document([node("e", "t_echo@1", text="hi")]))
    url = f"/api/pipelines/{version.pipeline_id}/archive/"
    response = api.post(url, {"archived": value}, format="json")
    assert response.status_code == 400
    assert "archived" in response.json()["details"]
    assert Pipeline.objects.get().archived is False


def test_archived_false_unarchives(api: Any, make_version: Any) -> None:
    version = make_version(document([node("e", "t_echo@1", text="hi")]))
    url = f"/api/pipelines/{version.pipeline_id}/archive/"
    assert api.post(url, {}, format="json").json()["archived"] is True
    assert api.post(url, {"archived": False}, format="json").json()["archived"] is False


def test_every_write_serializer_of_the_api_refuses_unknown_fields() -> None:
    """A new input serializer cannot ship lenient: each one under designer.api is strict."""
    import importlib
    import pkgutil

    from rest_framework import serializers

    import designer.api.views as views
    from designer.api.strict import StrictFields

    modules = [importlib.import_module("designer.api.serializers")] + [
        importlib.import_module(f"designer.api.views.{m.name}")
        for m in pkgutil.iter_modules(views.__path__)
    ]
    lenient = sorted(
        f"{module.__name__}.{name}"
        for module in modules
        for name, cls in vars(module).items()
        if isinstance(cls, type)
        and issubclass(cls, serializers.Serializer)
        and not issubclass(cls, serializers.ModelSerializer)
        and cls.__module__ == module.__name__
        and any(not f.read_only for f in cls().fields.values())
        and not issubclass(cls, StrictFields)
        and not name.endswith(("OutSerializer", "ResponseSerializer"))
    )
    assert lenient == []


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('description: "a\\0b"', "description"),
        ('tags: {team: "x\\0"}', "tags.team"),
        ('display_name: "\\0"', "display_name"),
    ],
)
def test_a_nul_anywhere_in_a_component_spec_is_refused_naming_the_field(
    api: Any, line: str, field: str
) -> None:
    from designer.registry.models import Component

    spec = f"name: nul_spec\nversion: '1'\ncommand: echo hi\n{line}\n"
    response = api.post("/api/components/", {"spec": spec}, format="multipart")
    assert response.status_code == 400, response.content
    assert field in json.dumps(response.json()) and "NUL" in json.dumps(response.json())
    assert not Component.objects.filter(name="nul_spec").exists()


def test_a_nul_in_a_component_command_is_refused(api: Any) -> None:
    spec = "name: nul_cmd\nversion: '1'\ncommand: \"echo a\\0b\"\n"
    response = api.post("/api/components/", {"spec": spec}, format="multipart")
    assert response.status_code == 400
    assert "NUL" in json.dumps(response.json())


@pytest.mark.parametrize("action", ["cancel", "rerun"])
def test_a_field_sent_to_an_action_that_takes_none_is_refused_naming_it(
    api: Any, make_version: Any, action: str
) -> None:
    from designer.engine.submit import run_submit

    version = make_version(document([node("e", "t_echo@1", text="hi")]))
    run = run_submit(pipeline_version=version, user=version.pipeline.owner)
    response = api.post(f"/api/runs/{run.pk}/{action}/", {"force": True}, format="json")
    assert response.status_code == 400
    assert "force" in response.json()["details"]
    assert api.post(f"/api/runs/{run.pk}/cancel/", {}, format="json").status_code == 200
