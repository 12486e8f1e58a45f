"""Importing Azure ML pipeline job YAML through the API (database tests)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from tests.yaml_io.conftest import PIPELINES, import_text, import_yaml, register_named

pytestmark = pytest.mark.django_db


def document_of(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.json()
    body = response.json()
    assert body["latest"]["is_valid"], body["latest"]["errors"]
    return dict(body["latest"]["document"])


def by_id(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["id"]: node for node in doc["nodes"]}


def test_a_chain_imports_as_nodes_edges_outputs_and_mapped_compute(api, home):
    response = import_yaml(api, PIPELINES / "chain.yml")
    doc = document_of(response)
    assert response.status_code == 201
    assert doc["name"] == "yio-chain" and doc["description"] == "Three steps in a row."
    assert [n["id"] for n in doc["nodes"]] == ["first", "second", "third"]
    assert doc["edges"] == [
        {"source": "first", "source_port": "out", "target": "second", "target_port": "data"},
        {"source": "second", "source_port": "out", "target": "third", "target_port": "data"},
    ]
    nodes = by_id(doc)
    # A component file is anonymous: its version is a hash of its spec and code.
    name, version = nodes["first"]["component"].split("@")
    assert name == "yio_write" and version != "1" and len(version) == 16
    assert nodes["second"]["inputs"] == {"text": {"value": "two"}}
    assert nodes["third"]["compute"] == "gpu" and nodes["first"]["compute"] is None
    assert doc["settings"] == {
        "default_compute": "cpu",
        "continue_on_step_failure": False,
        "force_rerun": False,
    }
    assert doc["outputs"] == {"final": {"node": "third", "port": "out"}}
    components = sorted(response.json()["components"])
    assert [ref.split("@")[0] for ref in components] == ["yio_append", "yio_write"]


def test_imported_nodes_are_laid_out_left_to_right_by_depth(api, home):
    doc = document_of(import_yaml(api, PIPELINES / "nested.yml"))
    xs = [node["position"]["x"] for node in doc["nodes"]]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    assert all(node["position"]["y"] == 0 for node in doc["nodes"])


def test_pipeline_inputs_feed_integer_number_and_string_parameters(api, home):
    doc = document_of(import_yaml(api, PIPELINES / "params.yml"))
    assert doc["inputs"] == {
        "count": {"type": "integer", "default": 3, "optional": False, "description": ""},
        "scale": {"type": "number", "default": 0.5, "optional": False, "description": ""},
        "text": {"type": "string", "default": "hello", "optional": False, "description": ""},
    }
    assert by_id(doc)["write"]["inputs"] == {
        "text": {"pipeline_input": "text"},
        "count": {"pipeline_input": "count"},
        "scale": {"pipeline_input": "scale"},
    }


def test_an_optional_pipeline_input_binds_an_optional_component_input(api, home):
    doc = document_of(import_yaml(api, PIPELINES / "optional.yml"))
    assert doc["inputs"]["suffix"] == {"type": "string", "optional": True, "description": ""}
    assert by_id(doc)["write"]["inputs"]["suffix"] == {"pipeline_input": "suffix"}


def test_local_files_and_folders_become_datasets_under_conveyor_home(api, home):
    doc = document_of(import_yaml(api, PIPELINES / "data.yml"))
    prefix = "azureml://datastores/uploads/paths/"
    table_ref, folder_ref = (doc["inputs"][n]["default"] for n in ("table", "read_folder"))
    assert table_ref.startswith(prefix) and folder_ref.startswith(prefix)
    table = home / "datasets" / table_ref.removeprefix(prefix)
    folder = home / "datasets" / folder_ref.removeprefix(prefix)
    assert table.name == "table.csv" and table.read_text() == "a,b\n1,2\n"
    assert (folder / "part.txt").read_text() == "folder part\n"
    assert doc["inputs"]["read_folder"]["type"] == "uri_folder"
    assert by_id(doc)["read"]["inputs"]["folder"] == {"pipeline_input": "read_folder"}


def test_a_nested_pipeline_component_used_twice_is_flattened_with_prefixed_ids(api, home):
    doc = document_of(import_yaml(api, PIPELINES / "nested.yml"))
    assert [n["id"] for n in doc["nodes"]] == [
        "start", "outer__a", "outer__b", "again__a", "again__b",
    ]  # fmt: skip
    edges = {(e["source"], e["target"]) for e in doc["edges"]}
    assert edges == {
        ("start", "outer__a"), ("outer__a", "outer__b"),
        ("outer__b", "again__a"), ("again__a", "again__b"),
    }  # fmt: skip
    nodes = by_id(doc)
    assert nodes["outer__a"]["inputs"]["text"] == {"pipeline_input": "word"}
    assert nodes["again__a"]["inputs"]["text"] == {"value": "?"}  # the component's default
    assert doc["outputs"] == {"final": {"node": "again__b", "port": "out"}}


def test_inline_command_jobs_become_content_versioned_components(api, home):
    first = import_yaml(api, PIPELINES / "inline.yml")
    doc = document_of(first)
    refs = [node["component"] for node in doc["nodes"]]
    assert [ref.split("@")[0] for ref in refs] == ["yio-inline_make", "yio-inline_shout"]
    shout_version = refs[1].split("@")[1]
    shout = api.get(f"/api/components/yio-inline_shout/versions/{shout_version}/").json()
    assert shout["inputs"]["data"]["type"] == "uri_folder"
    assert shout["inputs"]["mark"]["type"] == "string"
    assert shout["code"] == "./code"
    again = import_yaml(api, PIPELINES / "inline.yml")
    assert again.status_code == 200 and again.json()["new_version"] is False
    assert [n["component"] for n in document_of(again)["nodes"]] == refs


def test_registered_components_are_referenced_by_name_and_version_or_latest(api, home):
    register_named("write", "append")
    import_yaml(api, PIPELINES / "chain.yml")  # anonymous versions: `@latest` ignores them
    text = """
type: pipeline
display_name: yio-registered
jobs:
  w: {component: "azureml:yio_write:1", inputs: {text: a}}
  a:
    component: azureml:yio_append@latest
    inputs: {data: "${{parent.jobs.w.outputs.out}}"}
"""
    doc = document_of(import_text(api, text))
    assert [n["component"] for n in doc["nodes"]] == ["yio_write@1", "yio_append@1"]


def test_unknown_compute_and_unknown_settings_are_warnings(api, home):
    text = """
type: pipeline
display_name: yio-warned
settings: {default_datastore: azureml:workspaceblobstore, force_rerun: true}
jobs:
  w: {component: "azureml:yio_write:1", compute: azureml:big-cluster}
"""
    register_named("write")
    response = import_text(api, text)
    doc = document_of(response)
    codes = {w["code"] for w in response.json()["warnings"]}
    assert {"unknown_setting", "unknown_compute"} <= codes
    assert doc["nodes"][0]["compute"] is None and doc["settings"]["force_rerun"] is True


def test_reimporting_a_changed_yaml_adds_a_version(api, home, tmp_path):
    import_yaml(api, PIPELINES / "params.yml")
    copy = shutil.copytree(PIPELINES, tmp_path / "copy")
    path = copy / "params.yml"
    path.write_text(path.read_text().replace("count: 3", "count: 4"))
    response = import_yaml(api, path)
    assert response.status_code == 201 and response.json()["version"] == 2


def test_someone_elses_pipeline_name_is_refused(api, outsider_api, home):
    import_yaml(api, PIPELINES / "params.yml")
    response = import_yaml(outsider_api, PIPELINES / "params.yml")
    assert response.status_code == 403
    assert "--name" in response.json()["message"]


def test_an_import_never_reads_a_path_climbing_out_of_the_uploaded_folder(api, home, tmp_path):
    from tests.yaml_io.conftest import errors_of

    folder = tmp_path / "bundle"
    shutil.copytree(PIPELINES, folder)
    climb = "../" * 12 + "etc/passwd"  # exists on the server, outside the upload
    text = (folder / "data.yml").read_text().replace("./data/table.csv", climb)
    (folder / "data.yml").write_text(text)
    errors = errors_of(import_yaml(api, folder / "data.yml", folder=folder))
    assert [(e["port"], e["code"]) for e in errors] == [("table", "missing_file")]


def test_an_absolute_path_in_an_imported_yaml_is_refused_as_a_server_path(api, home, tmp_path):
    from tests.yaml_io.conftest import errors_of

    folder = tmp_path / "bundle"
    shutil.copytree(PIPELINES, folder)
    text = (folder / "data.yml").read_text().replace("./data/table.csv", "/etc/shadow")
    (folder / "data.yml").write_text(text)
    errors = errors_of(import_yaml(api, folder / "data.yml", folder=folder))
    assert [(e["port"], e["code"]) for e in errors] == [("table", "server_path_refused")]
