"""Component files of an imported pipeline are anonymous, as in Azure ML (issue 12, part 1)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from designer.registry.models import Component, ComponentVersion
from designer.registry.services import UnknownComponent, version_get
from tests.yaml_io.conftest import errors_of, import_text, import_yaml, register_named, unzip

pytestmark = pytest.mark.django_db

SPEC = """\
$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
name: {name}
{version}type: command
outputs:
  out: {{type: uri_folder}}
command: echo {word} > ${{{{outputs.out}}}}/word.txt
"""
PIPELINE = """\
$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
type: pipeline
display_name: {title}
jobs:
  step:
    type: command
    component: ./component.yml
"""


def bundle(tmp_path: Path, title: str, *, name: str, word: str, version: str = "") -> Path:
    """A folder with pipeline.yml and its component.yml."""
    folder = tmp_path / title
    folder.mkdir()
    line = f"version: {version}\n" if version else ""
    (folder / "component.yml").write_text(SPEC.format(name=name, version=line, word=word))
    (folder / "pipeline.yml").write_text(PIPELINE.format(title=title))
    return folder / "pipeline.yml"


def ref_of(response: Any) -> str:
    assert response.status_code in (200, 201), response.json()
    return str(response.json()["latest"]["document"]["nodes"][0]["component"])


def test_a_component_file_without_version_imports_as_an_anonymous_version(api, home, tmp_path):
    ref = ref_of(import_yaml(api, bundle(tmp_path, "p1", name="hello_python_world", word="hi")))
    name, version = ref.split("@")
    found = ComponentVersion.objects.get(component__name=name, version=version)
    assert name == "hello_python_world" and len(version) == 16 and found.anonymous
    assert not Component.objects.get(name=name).claimed  # nobody owns the name yet


def test_two_pipelines_shipping_different_component_a_at_1_both_import(api, home, tmp_path):
    first = ref_of(
        import_yaml(api, bundle(tmp_path, "p1", name="component_a", word="one", version="1"))
    )
    second = ref_of(
        import_yaml(api, bundle(tmp_path, "p2", name="component_a", word="two", version="1"))
    )
    assert (
        first != second and first.startswith("component_a@") and second.startswith("component_a@")
    )
    assert ComponentVersion.objects.filter(component__name="component_a").count() == 2


def test_the_same_component_file_in_two_pipelines_is_one_anonymous_version(api, home, tmp_path):
    first = ref_of(import_yaml(api, bundle(tmp_path, "p1", name="component_b", word="same")))
    second = ref_of(import_yaml(api, bundle(tmp_path, "p2", name="component_b", word="same")))
    assert first == second


def test_latest_ignores_anonymous_versions(api, home, tmp_path):
    import_yaml(api, bundle(tmp_path, "p1", name="yio_write", word="anon"))
    with pytest.raises(UnknownComponent, match="only anonymous versions"):
        version_get("yio_write", "latest")
    register_named("write")
    assert version_get("yio_write", "latest").version == "1"
    text = "type: pipeline\ndisplay_name: by-latest\njobs:\n  w: {component: azureml:yio_write}\n"
    assert ref_of(import_text(api, text)) == "yio_write@1"
    listed = api.get("/api/components/yio_write/").json()
    assert listed["latest_version"] == "1"
    assert [v["version"] for v in listed["versions"] if not v["anonymous"]] == ["1"]
    assert len([v for v in listed["versions"] if v["anonymous"]]) == 1


def test_an_outsider_imports_a_component_file_named_like_someone_elses_component(
    api, outsider_api, home, tmp_path
):
    register_named("write")  # the server published yio_write@1: a system name
    ref = ref_of(
        import_yaml(outsider_api, bundle(tmp_path, "p1", name="yio_write", word="x", version="1"))
    )
    assert ref.startswith("yio_write@") and ref != "yio_write@1"
    assert version_get("yio_write", "1").anonymous is False  # the named version is untouched


def test_the_first_named_publish_claims_a_name_that_had_only_anonymous_versions(
    api, outsider_api, home, tmp_path, outsider
):
    import_yaml(api, bundle(tmp_path, "p1", name="yio_write", word="anon"))
    from tests.yaml_io.conftest import PIPELINES

    spec = (PIPELINES / "components/write/write.yml").read_text()
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        for path in (PIPELINES / "components/write/src").iterdir():
            archive.write(path, path.name)
    code.seek(0)
    code.name = "code.zip"
    response = outsider_api.post("/api/components/", {"spec": spec, "code": code})
    assert response.status_code == 201, response.json()
    component = Component.objects.get(name="yio_write")
    assert component.claimed and component.owner == outsider


def test_a_user_component_named_like_a_builtin_never_resolves_to_the_builtin(
    api, builtins, home, tmp_path
):
    path = bundle(tmp_path, "mine", name="score_model", word="mine", version="1")
    ref = ref_of(import_yaml(api, path))
    assert ref.startswith("score_model@") and ref != "score_model@1"
    assert version_get("score_model", "latest").source == "builtin"
    assert Component.objects.get(name="score_model").is_system


def test_the_azureml_registry_names_builtins_only(api, builtins, home):
    text = (
        "type: pipeline\ndisplay_name: from-registry\njobs:\n"
        "  e: {component: 'azureml://registries/azureml/components/enter_data/versions/1'}\n"
        "  f: {component: 'azureml://registries/azureml/components/enter_data'}\n"
    )
    nodes = import_text(api, text).json()["latest"]["document"]["nodes"]
    assert [n["component"] for n in nodes] == ["enter_data@1", "enter_data@1"]
    register_named("write")  # a workspace component, not a built-in
    text = (
        "type: pipeline\ndisplay_name: not-builtin\njobs:\n"
        "  w: {component: 'azureml://registries/azureml/components/yio_write/versions/1'}\n"
    )
    errors = errors_of(import_text(api, text))
    assert errors[0]["code"] == "unknown_component" and errors[0]["node"] == "w"


def test_a_pipeline_of_builtins_exports_registry_references_and_round_trips(
    api, builtins, home, tmp_path
):
    register_named("write")
    text = (
        "type: pipeline\ndisplay_name: mixed\njobs:\n"
        "  w: {component: 'azureml:yio_write:1', inputs: {text: a}}\n"
        "  e:\n    component: azureml://registries/azureml/components/enter_data/versions/1\n"
    )
    first = import_text(api, text)
    assert first.status_code == 201, first.json()
    pipeline_id = first.json()["id"]
    payload = api.get(f"/api/pipelines/{pipeline_id}/versions/1/export/").content
    folder = unzip(payload, tmp_path / "export")
    jobs = yaml.safe_load((folder / "pipeline.yml").read_text())["jobs"]
    assert jobs["w"]["component"] == "azureml:yio_write:1"
    assert jobs["e"]["component"] == (
        "azureml://registries/azureml/components/enter_data/versions/1"
    )
    again = import_yaml(api, folder / "pipeline.yml", name="mixed-again").json()
    assert again["latest"]["document"]["nodes"] == first.json()["latest"]["document"]["nodes"]


def test_a_component_with_a_conda_file_exports_and_reimports_to_the_same_version(
    api, home, tmp_path
):
    import shutil

    source = Path(__file__).parents[1] / "environments" / "components" / "azure_append"
    folder = tmp_path / "bundle"
    shutil.copytree(source, folder / "append")
    (folder / "pipeline.yml").write_text(
        "type: pipeline\ndisplay_name: pinned\njobs:\n  a: {component: ./append/component.yml}\n"
    )
    first = import_yaml(api, folder / "pipeline.yml")
    assert first.status_code == 201, first.json()
    payload = api.get(f"/api/pipelines/{first.json()['id']}/versions/1/export/").content
    exported = unzip(payload, tmp_path / "export")
    again = import_yaml(api, exported / "pipeline.yml", name="pinned-again")
    assert again.status_code == 201, again.json()
    assert ref_of(again) == ref_of(first)


def test_a_curated_environment_mapping_is_an_import_warning(api, home, tmp_path):
    path = bundle(tmp_path, "curated", name="hello_curated", word="hi")
    text = path.parent.joinpath("component.yml").read_text()
    path.parent.joinpath("component.yml").write_text(
        text + "environment: azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest\n"
    )
    response = import_yaml(api, path)
    assert response.status_code == 201, response.json()
    mapped = [w for w in response.json()["warnings"] if w["code"] == "environment_mapped"]
    assert mapped and "Python 3.8" in mapped[0]["message"]
