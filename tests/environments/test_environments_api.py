"""/api/environments/: register, list, show; azureml:name@version resolves to it."""

from __future__ import annotations

from typing import Any

import pytest

from designer.environments.services import component_environment

pytestmark = pytest.mark.django_db

ENV_YAML = """\
$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json
name: team-pandas
version: "1"
description: pandas 1.5 for the old scripts
image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest
conda_file:
  channels: [conda-forge]
  dependencies:
    - python=3.10
    - pip:
        - pandas~=1.5
"""


def test_a_registered_environment_is_listed_shown_and_resolved_by_name(api: Any) -> None:
    created = api.post("/api/environments/", {"yaml": ENV_YAML}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["reference"] == "azureml:team-pandas@1"
    assert created.json()["requirements"] == ["numpy<2", "pandas~=1.5"]
    listed = api.get("/api/environments/").json()["results"]
    assert [(e["name"], e["version"], e["python"]) for e in listed] == [
        ("team-pandas", "1", "3.10")
    ]
    shown = api.get("/api/environments/team-pandas/versions/latest/").json()
    assert shown["yaml"] == ENV_YAML
    for ref in ("azureml:team-pandas@1", "azureml:team-pandas:1", "azureml:team-pandas@latest"):
        assert component_environment(ref, where="x").hash == created.json()["hash"]


def test_registering_the_same_version_again_is_idempotent_and_different_content_is_409(
    api: Any,
) -> None:
    assert api.post("/api/environments/", {"yaml": ENV_YAML}, format="json").status_code == 201
    assert api.post("/api/environments/", {"yaml": ENV_YAML}, format="json").status_code == 200
    changed = ENV_YAML.replace("pandas~=1.5", "pandas~=1.4")
    response = api.post("/api/environments/", {"yaml": changed}, format="json")
    assert response.status_code == 409
    assert "team-pandas@1" in response.json()["message"]


def test_another_user_cannot_add_versions_to_a_name_they_do_not_own(
    api: Any, outsider_api: Any
) -> None:
    assert api.post("/api/environments/", {"yaml": ENV_YAML}, format="json").status_code == 201
    other = ENV_YAML.replace('version: "1"', 'version: "2"')
    response = outsider_api.post("/api/environments/", {"yaml": other}, format="json")
    assert response.status_code == 403
    assert "team-pandas" in response.json()["message"]


@pytest.mark.parametrize(
    ("yaml_text", "fragment"),
    [
        ("name: x\nversion: 1\nbuild:\n  path: ./docker\n", "`build:`"),
        ("name: x\nversion: 1\nimage: example.com/unknown:1\n", "image mapping table"),
        ("name: x\nimage: python:3.11\n", "version:"),
        ("name: 'bad name'\nversion: 1\nimage: python:3.11\n", "name:"),
        ("- just\n- a list\n", "mapping"),
        ("a: &a [*a]\n", "YAML"),
    ],
)
def test_a_bad_environment_yaml_is_a_400_naming_the_problem(
    api: Any, yaml_text: str, fragment: str
) -> None:
    response = api.post("/api/environments/", {"yaml": yaml_text}, format="json")
    assert response.status_code == 400, response.content
    assert fragment in response.json()["message"]


def test_an_unknown_field_is_a_400_naming_it(api: Any) -> None:
    response = api.post("/api/environments/", {"yaml": ENV_YAML, "yml": "x"}, format="json")
    assert response.status_code == 400 and "yml" in response.json()["message"]


def test_an_unknown_environment_is_a_404(api: Any) -> None:
    assert api.get("/api/environments/nope/").status_code == 404
    assert api.get("/api/environments/nope/versions/1/").status_code == 404


def test_anonymous_users_see_no_environment(client: Any) -> None:
    assert client.get("/api/environments/").status_code in (401, 403)
