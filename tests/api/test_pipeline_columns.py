"""GET /api/pipelines/<id>/columns/: the columns a column picker offers, from visible runs only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from designer.engine.models import Status
from tests.engine import conftest as engine

pytestmark = pytest.mark.django_db

components = engine.components
make_version = engine.make_version


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def finished_run(version: Any, user: Any, files: dict[str, str]) -> Any:
    """A run of `version` by `user` whose step `a` completed with output `out` holding files."""
    from designer.engine.submit import run_submit

    run = run_submit(pipeline_version=version, user=user)
    output = f"runs/{run.pk}/a/1/outputs/out"
    folder = Path(settings.ARTIFACTS_DIR) / output
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    step = run.steps.get(node_id="a")
    step.outputs = {"out": {"path": output, "type": "uri_folder"}}
    step.status = Status.COMPLETED
    step.save(update_fields=["outputs", "status"])
    return run


@pytest.fixture
def version(components: Any, make_version: Any) -> Any:
    return make_version(engine.document([engine.node("a", "t_echo@1", text="a")]), name="cols")


def columns_url(version: Any, node: str = "a", port: str = "out") -> str:
    return f"/api/pipelines/{version.pipeline_id}/columns/?node={node}&port={port}"


def test_the_columns_of_the_latest_visible_run_are_offered(version: Any, owner: Any) -> None:
    finished_run(version, owner, {"data.csv": "age,income\n1,2\n"})
    latest = finished_run(version, owner, {"data.csv": "age,income,label\n1,2,yes\n"})
    response = client_for(owner).get(columns_url(version))
    assert response.status_code == 200, response.content
    assert response.json()["run"] == latest.pk
    assert [c["name"] for c in response.json()["columns"]] == ["age", "income", "label"]


def test_another_users_run_offers_no_columns(version: Any, owner: Any, outsider: Any) -> None:
    finished_run(version, owner, {"data.csv": "secret_column\n1\n"})
    response = client_for(outsider).get(columns_url(version))
    assert response.status_code == 200
    assert response.json() == {"run": None, "node": "a", "port": "out", "columns": []}


def test_staff_see_the_columns_of_any_run(version: Any, owner: Any, admin_user_: Any) -> None:
    finished_run(version, owner, {"data.parquet": ""})  # not a readable table: skipped
    finished_run(version, owner, {"data.tsv": "x\ty\n1\t2\n"})
    response = client_for(admin_user_).get(columns_url(version))
    assert [c["name"] for c in response.json()["columns"]] == ["x", "y"]


def test_an_output_that_is_not_a_table_offers_no_columns(version: Any, owner: Any) -> None:
    finished_run(version, owner, {"notes.txt": "hello"})
    assert client_for(owner).get(columns_url(version)).json()["columns"] == []


@pytest.mark.parametrize("missing", ["node", "port"])
def test_a_missing_node_or_port_is_a_400_naming_it(version: Any, owner: Any, missing: str) -> None:
    query = "node=a" if missing == "port" else "port=out"
    response = client_for(owner).get(f"/api/pipelines/{version.pipeline_id}/columns/?{query}")
    assert response.status_code == 400
    assert missing in response.content.decode()
