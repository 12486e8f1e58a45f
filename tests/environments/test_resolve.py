"""Resolution of every accepted `environment` form (pure: no database, no build)."""

from __future__ import annotations

from pathlib import Path

import pytest

from designer.environments.resolve import (
    default_spec,
    environment_inline,
    environment_resolve,
)
from designer.environments.spec import EnvironmentProblem, EnvironmentSpec

WHERE = "component 'train@1'"


def resolve(value: object, lookup: object = None) -> EnvironmentSpec:
    return environment_resolve(value, where=WHERE, lookup=lookup)  # type: ignore[arg-type]


def test_a_component_without_an_environment_gets_the_documented_default() -> None:
    spec = resolve(None)
    assert spec == default_spec()
    assert spec.python == "3.11"
    assert "pandas==3.1.1" in spec.requirements


def test_an_inline_conda_mapping_gives_its_python_and_pypi_requirements() -> None:
    spec = resolve(
        {
            "conda_file": {
                "name": "train-env",
                "channels": ["conda-forge"],
                "dependencies": [
                    "python=3.10",
                    "pip=23.1",
                    "scikit-learn=1.5.2",
                    {"pip": ["mlflow==2.9.2", "Pandas~=2.2"]},
                ],
            }
        }
    )
    assert spec.python == "3.10"
    assert spec.requirements == ("mlflow==2.9.2", "pandas~=2.2", "scikit-learn==1.5.2.*")
    assert any("channels ignored (conda-forge)" in w for w in spec.warnings)


def test_conda_names_that_differ_on_pypi_are_mapped_and_conda_only_ones_skipped() -> None:
    spec = resolve(
        {"conda_file": {"dependencies": ["python=3.11", "pytorch>=2", "py-xgboost", "cudatoolkit"]}}
    )
    assert spec.requirements == ("torch>=2", "xgboost")
    assert any("'cudatoolkit' skipped" in w for w in spec.warnings)


def test_a_pandas_1_pin_adds_numpy_below_2_so_the_import_works() -> None:
    spec = resolve({"conda_file": {"dependencies": ["python=3.10", {"pip": ["pandas~=1.5"]}]}})
    assert spec.requirements == ("numpy<2", "pandas~=1.5")


def test_the_same_content_written_differently_has_the_same_hash() -> None:
    one = resolve({"conda_file": {"dependencies": ["python=3.10", "b", {"pip": ["A==1"]}]}})
    two = resolve({"conda_file": {"dependencies": [{"pip": ["a == 1"]}, "B", "python=3.10.4"]}})
    assert one.hash == two.hash
    three = resolve({"conda_file": {"dependencies": ["python=3.11", "b", {"pip": ["a==1"]}]}})
    assert three.hash != one.hash


def test_image_plus_conda_file_uses_the_conda_file_and_says_the_image_is_not_used() -> None:
    spec = resolve(
        {
            "image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest",
            "conda_file": {"dependencies": [{"pip": ["pyyaml"]}]},
        }
    )
    assert spec.python == "3.8"  # the conda file names none: the image's
    assert spec.requirements == ("pyyaml",)
    assert any("image" in w and "not used" in w for w in spec.warnings)


def test_an_image_alone_goes_through_the_mapping_table() -> None:
    assert resolve({"image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04"}).python == "3.10"
    assert resolve({"image": "python:3.9-slim"}).python == "3.9"


def test_an_unknown_image_alone_is_refused_naming_the_component_and_the_image() -> None:
    with pytest.raises(EnvironmentProblem, match=r"component 'train@1'.*'example.com/x:1'"):
        resolve({"image": "example.com/x:1"})


@pytest.mark.parametrize(
    "value",
    [
        "azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest",
        "azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu:33",
        "azureml:azureml-sklearn-1.0-ubuntu20.04-py38-cpu",
        "azureml://registries/azureml/environments/sklearn-1.0/labels/latest",
    ],
)
def test_curated_names_map_through_the_shipped_table(value: str) -> None:
    spec = resolve(value)
    assert spec.python == "3.8"
    assert "scikit-learn~=1.0.0" in spec.requirements


def test_a_registered_name_is_looked_up_by_version_or_latest() -> None:
    asked: list[tuple[str, str | None]] = []
    definition = {"name": "mine", "version": "2", "conda_file": {"dependencies": ["python=3.12"]}}

    def lookup(name: str, version: str | None) -> dict[str, object]:
        asked.append((name, version))
        return definition

    assert resolve("azureml:mine@2", lookup).python == "3.12"
    assert resolve("azureml:mine:2", lookup).python == "3.12"
    assert resolve("azureml:mine@latest", lookup).python == "3.12"
    assert asked == [("mine", "2"), ("mine", "2"), ("mine", None)]


def test_an_unknown_registered_name_is_refused_naming_it() -> None:
    with pytest.raises(EnvironmentProblem, match=r"environment mine@3 is neither registered"):
        resolve("azureml:mine@3", lambda name, version: None)


def test_a_docker_build_context_is_refused_naming_the_component() -> None:
    with pytest.raises(EnvironmentProblem, match=r"component 'train@1': environment `build:`"):
        resolve({"build": {"path": "./docker"}})


def test_a_requirement_from_a_url_is_refused() -> None:
    with pytest.raises(EnvironmentProblem, match="only PyPI packages"):
        resolve({"conda_file": {"dependencies": [{"pip": ["x @ https://example.com/x.whl"]}]}})


def test_a_conda_file_path_is_read_at_registration_relative_to_the_spec(tmp_path: Path) -> None:
    (tmp_path / "env").mkdir()
    conda = "dependencies:\n  - python=3.9\n  - pip:\n    - six\n"
    (tmp_path / "env" / "conda.yml").write_text(conda)
    value = environment_inline(
        {"conda_file": "env/conda.yml"}, base_dir=tmp_path, roots=(tmp_path,)
    )
    assert resolve(value).requirements == ("six",)


def test_a_conda_file_path_outside_the_component_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.yml").write_text("dependencies: []\n")
    (tmp_path / "c").mkdir()
    with pytest.raises(EnvironmentProblem, match="outside the component's folder"):
        environment_inline(
            {"conda_file": "../secret.yml"}, base_dir=tmp_path / "c", roots=(tmp_path / "c",)
        )


def test_a_huge_conda_file_is_refused_before_parsing(tmp_path: Path) -> None:
    (tmp_path / "conda.yml").write_text("dependencies:\n" + "  - six\n" * 100_000)
    with pytest.raises(EnvironmentProblem, match="larger than"):
        environment_inline({"conda_file": "conda.yml"}, base_dir=tmp_path, roots=(tmp_path,))
