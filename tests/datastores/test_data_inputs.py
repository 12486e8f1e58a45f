"""A data input names an upload or a granted datastore path, never a server path (issue 10)."""

from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path

import pytest

from tests.datastores.conftest import cat_document, run_errors, submit

pytestmark = pytest.mark.django_db

SHARED_CSV = "azureml://datastores/shared/paths/iris/data.csv"


def upload(api, content: bytes, name: str = "table.csv") -> dict:
    handle = io.BytesIO(content)
    handle.name = name
    response = api.post("/api/datasets/", {"file": handle}, format="multipart")
    assert response.status_code == 201, response.content[:500]
    return response.json()


def issue_of(version, port: str = "table") -> dict:
    found = [e for e in version.errors if e["port"] == port]
    assert found, version.errors
    return found[0]


@pytest.mark.parametrize(
    ("target", "secret"),
    [
        ("admin-password.txt", b"hunter2"),
        ("secret-key", b"s3cr3t"),
        ("conveyor.sqlite3", b"SQLite format 3"),
        ("artifacts/runs/1/a/1/outputs/out/data.csv", b"another user's rows"),
    ],
)
def test_a_dataset_path_climbing_to_a_server_file_is_refused_and_never_exported(
    api, home, make_version, target, secret
):
    server_file = home / target
    server_file.parent.mkdir(parents=True, exist_ok=True)
    if not server_file.exists():
        server_file.write_bytes(secret + b"\n")
    value = str(home / "datasets" / ".." / target)
    version = make_version(cat_document(value))
    assert not version.is_valid
    assert issue_of(version) == {
        "node": None,
        "port": "table",
        "code": "server_path_refused",
        "message": issue_of(version)["message"],
    }
    response = api.get(f"/api/pipelines/{version.pipeline_id}/versions/1/export/")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        everything = b"".join(archive.read(name) for name in archive.namelist())
    assert secret not in everything


@pytest.mark.parametrize(
    "value",
    ["/etc/shadow", "../../etc/shadow", "$CONVEYOR_HOME/admin-password.txt", "HOME"],
)
def test_a_server_path_as_data_input_is_refused_at_save_and_at_submit(
    api, home, make_version, value
):
    value = str(home / "admin-password.txt") if value == "HOME" else value
    version = make_version(cat_document(value))
    assert issue_of(version)["code"] == "server_path_refused"
    saved = make_version(cat_document(), name="no-default")
    errors = run_errors(submit(api, saved, table=value))
    assert errors == [
        {
            "node": None,
            "port": "table",
            "code": "server_path_refused",
            "message": errors[0]["message"],
        }
    ]
    assert "pipeline input 'table'" in errors[0]["message"]


def test_a_datastore_not_granted_is_refused(outsider_api, shared, make_version):
    version = make_version(cat_document(), name="plain")
    errors = run_errors(submit(outsider_api, version, table=SHARED_CSV))
    assert errors[0]["code"] == "datastore_not_granted" and errors[0]["port"] == "table"


def test_a_symlink_inside_a_datastore_pointing_out_is_refused(api, shared, home, make_version):
    os.symlink(home / "admin-password.txt", Path(shared.root) / "iris" / "password.txt")
    value = "azureml://datastores/shared/paths/iris/password.txt"
    assert issue_of(make_version(cat_document(value)))["code"] == "path_outside_root"
    errors = run_errors(submit(api, make_version(cat_document(), name="plain"), table=value))
    assert errors[0]["code"] == "path_outside_root"
    listed = api.get("/api/datastores/shared/browse/", {"path": "iris"}).json()
    assert [e["name"] for e in listed["entries"]] == ["data.csv"]


@pytest.mark.parametrize("kind", ["fifo", "socket"])
def test_a_fifo_or_socket_in_a_datastore_is_a_fast_400(api, shared, make_version, kind):
    import socket

    path = Path(shared.root) / "iris" / "special"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
    value = "azureml://datastores/shared/paths/iris/special"
    version = make_version(cat_document(), name="plain")
    started = time.monotonic()
    errors = run_errors(submit(api, version, table=value))
    assert errors[0]["code"] == "special_file"
    response = api.get("/api/datastores/shared/browse/", {"path": "iris/special"})
    assert response.status_code == 400 and response.json()["code"] in ("special_file", "wrong_kind")
    assert time.monotonic() - started < 30  # A hang would be caught by the suite timeout.


def test_the_upload_answer_names_a_reference_never_a_server_path(api, home):
    body = upload(api, b"a,b\n1,2\n", "my data.csv")
    assert "path" not in body
    assert str(home) not in str(body)
    assert body["reference"] == f"azureml://datastores/uploads/paths/{body['sha256']}/my_data.csv"
    listed = api.get("/api/datasets/").json()["results"]
    assert [d["reference"] for d in listed] == [body["reference"]]
    assert str(home) not in str(listed)


def test_export_carries_an_own_upload_by_content_and_keeps_datastore_references(
    api, shared, make_version
):
    reference = upload(api, b"x,y\n3,4\n", "mine.csv")["reference"]
    doc = cat_document(reference)
    doc["inputs"]["other"] = {"type": "uri_file", "default": SHARED_CSV, "optional": True}
    version = make_version(doc)
    response = api.get(f"/api/pipelines/{version.pipeline_id}/versions/1/export/")
    assert response.status_code == 200, response.content[:300]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.read("data/mine.csv") == b"x,y\n3,4\n"
        pipeline = archive.read("pipeline.yml").decode()
    assert SHARED_CSV in pipeline
    assert not any(name.endswith("iris/data.csv") for name in archive.namelist())


def test_a_grant_revoked_after_submit_fails_the_step_when_it_starts(
    api, shared, owner, make_version, settings
):
    from designer.datastores.models import DatastoreGrant
    from designer.datastores.services import step_input_paths

    version = make_version(cat_document(SHARED_CSV))
    inputs = {"file": {"reference": SHARED_CSV, "sha256": "x"}}
    types = {"file": "uri_file"}
    assert step_input_paths(inputs, user_id=owner.pk, port_types=types)["file"].endswith(
        "iris/data.csv"
    )
    DatastoreGrant.objects.filter(datastore=shared).delete()
    from designer.datastores.services import DataRefused

    with pytest.raises(DataRefused, match=r"input 'file'.*not granted"):
        step_input_paths(inputs, user_id=owner.pk, port_types=types)
    assert version.is_valid


def test_a_step_answer_names_inputs_by_reference_or_store_path_never_the_host_path(settings):
    from designer.datastores.answers import step_inputs_public

    root = Path(settings.ARTIFACTS_DIR)
    inputs = {
        "data": {"path": str(root / "runs/1/a/1/outputs/out"), "sha256": "ab"},
        "table": {"reference": SHARED_CSV, "sha256": "cd"},
    }
    assert step_inputs_public(inputs) == {
        "data": {"artifact": "runs/1/a/1/outputs/out", "sha256": "ab"},
        "table": {"reference": SHARED_CSV, "sha256": "cd"},
    }


def test_a_missing_output_is_named_without_the_server_path(tmp_path):
    from designer.engine.artifacts import MissingOutputError, digest_output

    (tmp_path / "outputs" / "report").mkdir(parents=True)
    with pytest.raises(MissingOutputError) as caught:
        digest_output(tmp_path / "outputs" / "report" / "data", "uri_file")
    assert str(tmp_path) not in str(caught.value)
    assert "outputs/report/data" in str(caught.value)
