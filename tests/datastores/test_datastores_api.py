"""Datastores over HTTP: granted ones listed and browsed, staff register and grant them."""

from __future__ import annotations

from pathlib import Path

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_api(admin_user_):
    client = APIClient()
    client.force_authenticate(admin_user_)
    return client


def names(client) -> list[str]:
    response = client.get("/api/datastores/")
    assert response.status_code == 200, response.content[:300]
    return [d["name"] for d in response.json()["results"]]


def test_a_user_lists_the_granted_datastores_and_uploads_staff_list_all(
    api, outsider_api, staff_api, shared
):
    assert names(api) == ["shared", "uploads"]
    assert names(outsider_api) == ["uploads"]
    assert names(staff_api) == ["shared", "uploads"]
    shown = api.get("/api/datastores/shared/").json()
    assert shown == {
        "name": "shared",
        "kind": "local",
        "description": "",
        "access": "read",
        "reference": "azureml://datastores/shared/paths/",
    }
    assert str(shared.root) not in str(api.get("/api/datastores/").json())


def test_a_datastore_not_granted_answers_404_as_if_it_did_not_exist(outsider_api, shared):
    assert outsider_api.get("/api/datastores/shared/").status_code == 404
    assert outsider_api.get("/api/datastores/shared/browse/").status_code == 404


def test_browsing_lists_folders_and_files_with_their_references(api, shared):
    top = api.get("/api/datastores/shared/browse/").json()
    assert top["entries"] == [
        {
            "name": "iris",
            "path": "iris",
            "kind": "dir",
            "size": 0,
            "reference": "azureml://datastores/shared/paths/iris",
        }
    ]
    inner = api.get("/api/datastores/shared/browse/", {"path": "iris"}).json()
    assert [(e["name"], e["kind"], e["size"]) for e in inner["entries"]] == [
        ("data.csv", "file", 8)
    ]
    assert inner["entries"][0]["reference"] == "azureml://datastores/shared/paths/iris/data.csv"


@pytest.mark.parametrize("path", ["..", "../home", "/etc", "iris/../../home"])
def test_browsing_out_of_the_datastore_is_refused(api, shared, path):
    response = api.get("/api/datastores/shared/browse/", {"path": path})
    assert response.status_code == 400
    assert response.json()["code"] == "path_outside_root"
    assert response.json()["details"] == {"field": "path"}


def test_browsing_uploads_lists_only_your_own_datasets(api, outsider_api, home):
    import io

    handle = io.BytesIO(b"a\n1\n")
    handle.name = "mine.csv"
    assert api.post("/api/datasets/", {"file": handle}, format="multipart").status_code == 201
    mine = api.get("/api/datastores/uploads/browse/").json()["entries"]
    assert [e["name"] for e in mine] == ["mine.csv"]
    assert outsider_api.get("/api/datastores/uploads/browse/").json()["entries"] == []


def test_only_staff_register_and_grant_a_datastore(api, staff_api, home, tmp_path, outsider):
    folder = tmp_path / "team"
    folder.mkdir()
    body = {"name": "team", "root": str(folder)}
    assert api.post("/api/datastores/", body, format="json").status_code == 403
    created = staff_api.post("/api/datastores/", body, format="json")
    assert created.status_code == 201, created.json()
    assert "root" not in created.json()
    grant = {"user": "oscar", "access": "write"}
    assert api.post("/api/datastores/team/grants/", grant, format="json").status_code in (403, 404)
    granted = staff_api.post("/api/datastores/team/grants/", grant, format="json")
    assert granted.status_code == 201, granted.json()
    expected = {"datastore": "team", "user": "oscar", "group": None, "access": "write"}
    assert granted.json() == expected


@pytest.mark.parametrize(
    ("root", "field"),
    [
        ("relative/path", "root"),
        ("HOME", "root"),
        ("/", "root"),
        ("NOPE", "root"),
        ("ARTIFACTS", "root"),
    ],
)
def test_a_datastore_over_conveyor_home_or_a_missing_folder_is_refused(
    staff_api, home, tmp_path, root, field
):
    from django.conf import settings

    Path(settings.ARTIFACTS_DIR).mkdir(parents=True, exist_ok=True)
    named = {
        "HOME": str(home / "datasets"),
        "NOPE": str(tmp_path / "nope"),
        "ARTIFACTS": str(settings.ARTIFACTS_DIR),
    }
    root = named.get(root, root)
    response = staff_api.post("/api/datastores/", {"name": "bad", "root": root}, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid_datastore"
    assert response.json()["details"] == {"field": field}


def test_a_group_grant_gives_its_members_access(outsider, shared, outsider_api):
    from django.contrib.auth.models import Group

    from designer.datastores.services import datastore_grant

    group = Group.objects.create(name="analysts")
    outsider.groups.add(group)
    datastore_grant(datastore=shared, group=group, access="read")
    assert "shared" in names(outsider_api)
    assert Path(shared.root).is_dir()
