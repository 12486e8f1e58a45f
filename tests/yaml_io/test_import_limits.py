"""Issue 10 §6: an alias bomb or a self-including pipeline gets a fast 400; nothing stored."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from designer.pipelines.models import Pipeline
from designer.registry.models import Component
from tests.yaml_io.conftest import errors_of, import_text, import_yaml

pytestmark = pytest.mark.django_db

LEVELS = "abcdefg"


def alias_bomb(head: str = "") -> str:
    """The reproduction: seven levels of nine aliases each, about 490 bytes."""
    lines = [head.rstrip("\n")] if head else []
    lines.append(
        f'{LEVELS[0]}: &{LEVELS[0]} ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
    )
    for prev, level in itertools.pairwise(LEVELS):
        lines.append(f"{level}: &{level} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_the_alias_bomb_is_about_the_reported_size() -> None:
    assert 270 <= len(alias_bomb()) <= 600


def test_an_alias_bomb_pipeline_import_is_refused_with_400_naming_the_problem(api: Any) -> None:
    body = "type: pipeline\njobs:\n  a: {component: 'azureml:x:1'}\n" + alias_bomb()
    [error] = errors_of(import_text(api, body))
    assert error["code"] == "invalid_yaml"
    assert "expands to more than" in error["message"]
    assert not Pipeline.objects.exists()


def test_an_alias_bomb_component_spec_upload_is_refused_with_400_and_not_stored(
    api: Any,
) -> None:
    spec = alias_bomb("name: bomb\nversion: '1'\ncommand: echo hi")
    response = api.post("/api/components/", {"spec": spec}, format="multipart")
    assert response.status_code == 400, response.json()
    assert "expands to more than" in str(response.json())
    assert not Component.objects.filter(name="bomb").exists()


def test_deeply_nested_yaml_is_refused_with_400(api: Any) -> None:
    body = "type: pipeline\njobs: " + "[" * 3000 + "]" * 3000 + "\n"
    [error] = errors_of(import_text(api, body))
    assert "nests deeper than" in error["message"]


def test_a_pipeline_whose_job_includes_the_file_itself_is_refused_naming_the_chain(
    api: Any, tmp_path: Path
) -> None:
    path = tmp_path / "self.yml"
    path.write_text(
        "type: pipeline\njobs:\n  a: {component: ./self.yml}\n  b: {component: ./self.yml}\n"
    )
    response = import_yaml(api, path)
    errors = errors_of(response)
    assert len(response.content) < 4096
    assert {e["code"] for e in errors} == {"cycle"}
    assert "self.yml -> ./self.yml" in errors[0]["message"]
    assert not Pipeline.objects.exists()


def test_two_pipeline_files_including_each_other_are_refused_naming_the_chain(
    api: Any, tmp_path: Path
) -> None:
    (tmp_path / "a.yml").write_text("type: pipeline\njobs:\n  to_b: {component: ./b.yml}\n")
    (tmp_path / "b.yml").write_text("type: pipeline\njobs:\n  to_a: {component: ./a.yml}\n")
    errors = errors_of(import_yaml(api, tmp_path / "a.yml"))
    assert [e["code"] for e in errors] == ["cycle"]
    assert "a.yml -> ./b.yml -> ./a.yml" in errors[0]["message"]
    assert errors[0]["node"] == "to_b__to_a"
