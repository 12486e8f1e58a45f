"""The datasets page's API: versions per name, owner, size, preview and "used by"."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rest_framework.test import APIClient

from designer.datastores.datasets import dataset_store_upload
from designer.datastores.services import dataset_record
from tests.engine import conftest as engine

pytestmark = pytest.mark.django_db

components = engine.components
make_version = engine.make_version


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def uploaded(owner: Any, name: str, text: str) -> Any:
    return dataset_record(
        dataset_store_upload(io.BytesIO(text.encode()), filename=name), owner=owner
    )


def test_uploads_under_one_name_are_numbered_as_versions_with_their_owner(owner: Any) -> None:
    uploaded(owner, "iris.csv", "a,b\n1,2\n")
    uploaded(owner, "iris.csv", "a,b\n1,2\n3,4\n")
    uploaded(owner, "wine.csv", "x\n1\n")
    rows = client_for(owner).get("/api/datasets/").json()["results"]
    seen = sorted((r["name"], r["version"], r["owner"], r["size"]) for r in rows)
    assert seen == [
        ("iris.csv", 1, owner.username, 8),
        ("iris.csv", 2, owner.username, 12),
        ("wine.csv", 1, owner.username, 4),
    ]
    assert all("path" not in r for r in rows)


def test_a_dataset_shows_its_table_head_and_the_pipelines_using_it(
    owner: Any, components: Any, make_version: Any
) -> None:
    dataset = uploaded(owner, "people.csv", "age,city\n31,oslo\n42,paris\n")
    doc = engine.document([engine.node("a", "t_echo@1", text="a")])
    doc["inputs"] = {"people": {"type": "uri_file", "default": dataset.reference}}
    version = make_version(doc, name="uses-people")
    make_version(engine.document([engine.node("a", "t_echo@1", text="a")]), name="unrelated")

    body = client_for(owner).get(f"/api/datasets/{dataset.pk}/").json()
    assert body["preview"]["kind"] == "table"
    assert [c["name"] for c in body["preview"]["columns"]] == ["age", "city"]
    assert body["preview"]["rows"] == [[31, "oslo"], [42, "paris"]]
    assert body["used_by"] == [
        {"pipeline": version.pipeline_id, "name": "uses-people", "version": version.number}
    ]


def test_another_users_dataset_is_a_404_and_staff_see_it(
    owner: Any, outsider: Any, admin_user_: Any
) -> None:
    dataset = uploaded(owner, "private.csv", "secret\n1\n")
    assert client_for(outsider).get(f"/api/datasets/{dataset.pk}/").status_code == 404
    assert client_for(outsider).get("/api/datasets/").json()["results"] == []
    staff = client_for(admin_user_).get(f"/api/datasets/{dataset.pk}/")
    assert staff.status_code == 200
    assert staff.json()["owner"] == owner.username
