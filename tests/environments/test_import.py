"""Environments in imported Azure ML pipelines: conda files read, Docker builds refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from designer.registry.models import ComponentVersion
from tests.yaml_io.conftest import home, import_text, import_yaml

pytestmark = pytest.mark.django_db
__all__ = ["home"]  # the fixture, re-used from the YAML import tests

BUILD_JOB = """\
type: pipeline
display_name: docker-built
jobs:
  train_job:
    type: command
    command: python train.py
    environment:
      build:
        path: ./docker
"""

COMPONENT = """\
name: conda_reader
version: "1"
type: command
outputs:
  out: {type: uri_folder}
environment:
  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04
  conda_file: ./env/conda.yml
command: echo hi > ${{outputs.out}}/x.txt
"""
PIPELINE = """\
type: pipeline
display_name: with-conda
jobs:
  step:
    type: command
    component: ./component.yml
"""


def test_a_job_whose_environment_is_a_docker_build_is_refused_naming_the_job(api: Any) -> None:
    response = import_text(api, BUILD_JOB)
    assert response.status_code == 400, response.json()
    text = str(response.json())
    assert "train_job" in text and "`build:`" in text


def test_a_component_conda_file_in_the_bundle_is_read_and_stored_inline(
    api: Any, home: Path, tmp_path: Path
) -> None:
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "conda.yml").write_text(
        "dependencies:\n  - python=3.10\n  - pip:\n    - pandas~=1.5\n"
    )
    (tmp_path / "component.yml").write_text(COMPONENT)
    (tmp_path / "pipeline.yml").write_text(PIPELINE)
    response = import_yaml(api, tmp_path / "pipeline.yml")
    assert response.status_code in (200, 201), response.json()
    stored = ComponentVersion.objects.get(component__name="conda_reader").spec["environment"]
    assert stored["conda_file"]["dependencies"][0] == "python=3.10"
