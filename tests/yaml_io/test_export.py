"""Export to Azure ML YAML, and the round trip back to the same document."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
import yaml

from tests.yaml_io.conftest import PIPELINES, import_yaml, register_named, unzip

pytestmark = pytest.mark.django_db


def export(api: Any, pipeline_id: int, number: int = 1) -> bytes:
    response = api.get(f"/api/pipelines/{pipeline_id}/versions/{number}/export/")
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/zip"
    return bytes(response.content)


def without_name(doc: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in doc.items() if key != "name"}


@pytest.mark.parametrize("name", ["chain", "params", "optional", "data", "nested", "inline"])
def test_export_then_import_gives_the_same_document(api, home, tmp_path, name):
    first = import_yaml(api, PIPELINES / f"{name}.yml").json()
    folder = unzip(export(api, first["id"]), tmp_path / "export")
    again = import_yaml(api, folder / "pipeline.yml", name=f"{name}-again").json()
    assert again["created"] is True, again
    assert without_name(again["latest"]["document"]) == without_name(first["latest"]["document"])


def test_the_export_is_a_pipeline_job_yaml_with_component_files_and_code(api, home):
    created = import_yaml(api, PIPELINES / "chain.yml").json()
    with zipfile.ZipFile(io.BytesIO(export(api, created["id"]))) as archive:
        names = set(archive.namelist())
        pipeline = yaml.safe_load(archive.read("pipeline.yml"))
    assert {
        "components/yio_write/yio_write.yml",
        "components/yio_write/src/write.py",
        "components/yio_append/yio_append.yml",
    } <= names
    assert pipeline["$schema"].endswith("/pipelineJob.schema.json")
    assert pipeline["type"] == "pipeline"
    job = pipeline["jobs"]["second"]
    assert job["component"] == "./components/yio_append/yio_append.yml"
    assert job["inputs"]["data"] == "${{parent.jobs.first.outputs.out}}"
    assert pipeline["jobs"]["third"]["outputs"] == {"out": "${{parent.outputs.final}}"}


def test_a_document_saved_by_the_canvas_round_trips(api, home, tmp_path):
    register_named("write", "append")
    document = {
        "schema_version": 1,
        "name": "canvas-made",
        "description": "drawn by hand",
        "inputs": {"n": {"type": "integer", "default": 2, "optional": False, "description": "n"}},
        "outputs": {"result": {"node": "z_last", "port": "out"}},
        "settings": {
            "default_compute": "gpu", "continue_on_step_failure": True, "force_rerun": False,
        },
        "nodes": [
            {"id": "z_last", "component": "yio_append@1", "display_name": "Last",
             "position": {"x": 400.5, "y": -20}, "inputs": {"text": {"value": None}},
             "compute": "cpu", "settings": {"timeout_seconds": 60}},
            {"id": "a_first", "component": "yio_write@1", "display_name": "First",
             "position": {"x": 0, "y": 0}, "inputs": {"count": {"pipeline_input": "n"}},
             "compute": None, "settings": {"timeout_seconds": None}},
        ],
        "edges": [
            {"source": "a_first", "source_port": "out", "target": "z_last", "target_port": "data"}
        ],
    }  # fmt: skip
    created = api.post(
        "/api/pipelines/", {"name": "canvas-made", "document": document}, format="json"
    )
    assert created.status_code == 201, created.json()
    folder = unzip(export(api, created.json()["id"]), tmp_path / "export")
    again = import_yaml(api, folder / "pipeline.yml", name="canvas-again").json()
    assert without_name(again["latest"]["document"]) == without_name(document)


def test_datasets_are_exported_as_local_files_next_to_the_yaml(api, home, tmp_path):
    created = import_yaml(api, PIPELINES / "data.yml").json()
    folder = unzip(export(api, created["id"]), tmp_path / "export")
    pipeline = yaml.safe_load((folder / "pipeline.yml").read_text())
    assert pipeline["inputs"]["table"] == {"type": "uri_file", "path": "./data/table.csv"}
    assert (folder / "data" / "table.csv").read_text() == "a,b\n1,2\n"
    assert (folder / "data" / "folder" / "part.txt").is_file()


def test_exporting_a_missing_version_is_a_404(api, home):
    created = import_yaml(api, PIPELINES / "chain.yml").json()
    assert api.get(f"/api/pipelines/{created['id']}/versions/9/export/").status_code == 404


def test_a_dataset_upload_is_stored_once_by_content(api, home):
    def upload(data: bytes, name: str) -> Any:
        handle = io.BytesIO(data)
        handle.name = name
        return api.post("/api/datasets/", {"file": handle}, format="multipart")

    first = upload(b"x,y\n1,2\n", "my data.csv")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["type"] == "uri_file" and body["size"] == 8 and body["name"] == "my_data.csv"
    assert body["reference"] == f"azureml://datastores/uploads/paths/{body['sha256']}/my_data.csv"
    assert (home / "datasets" / body["sha256"] / "my_data.csv").read_bytes() == b"x,y\n1,2\n"
    again = upload(b"x,y\n1,2\n", "my data.csv").json()
    assert (again["id"], again["reference"]) == (body["id"], body["reference"])


def test_a_dataset_over_the_upload_limit_is_refused(api, home, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    handle = io.BytesIO(b"x" * 2000)
    handle.name = "big.bin"
    response = api.post("/api/datasets/", {"file": handle}, format="multipart")
    assert response.status_code == 413 and "1024" in response.json()["message"]


def test_a_zipped_folder_uploads_as_one_uri_folder_dataset(api, home):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("part.txt", "x\n")
        bundle.writestr("sub/more.txt", "y\n")
    handle = io.BytesIO(archive.getvalue())
    handle.name = "images.zip"
    response = api.post("/api/datasets/", {"file": handle, "folder": "true"}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["type"] == "uri_folder" and body["name"] == "images"
    assert body["reference"].endswith("/images")
    broken = io.BytesIO(b"not a zip")
    broken.name = "bad.zip"
    refused = api.post("/api/datasets/", {"file": broken, "folder": "true"}, format="multipart")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_dataset"
