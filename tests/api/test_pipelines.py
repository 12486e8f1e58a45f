"""The pipelines API: create, versions, read, list, clone, archive, permissions."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.utils.dateparse import parse_datetime

from designer.pipelines.models import Pipeline, PipelineVersion
from tests.api import assert_error_shape, chain_document

pytestmark = pytest.mark.django_db


def create(api: Any, name: str = "iris-chain", **extra: Any) -> dict[str, Any]:
    response = api.post("/api/pipelines/", {"name": name, **extra}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def save(api: Any, pipeline_id: int, document: Any, message: str = "") -> Any:
    return api.post(
        f"/api/pipelines/{pipeline_id}/versions/",
        {"document": document, "message": message},
        format="json",
    )


def test_creating_a_pipeline_makes_version_1_with_an_empty_valid_document(
    api: Any, owner: Any
) -> None:
    body = create(api, description="My first")
    assert (body["name"], body["owner"], body["latest_version"]) == ("iris-chain", "olivia", 1)
    assert body["archived"] is False and body["description"] == "My first"
    latest = body["latest"]
    assert latest["number"] == 1 and latest["is_valid"] is True and latest["errors"] == []
    assert latest["author"] == owner.username
    assert latest["document"]["name"] == "iris-chain"
    assert latest["document"]["nodes"] == [] and latest["document"]["edges"] == []
    assert latest["document"]["description"] == "My first"


def test_creating_with_a_document_keeps_it_as_version_1(api: Any, builtins: Any) -> None:
    body = create(api, document=chain_document("ignored-name"), message="first draft")
    latest = body["latest"]
    assert latest["is_valid"] is True, latest["errors"]
    assert latest["message"] == "first draft"
    assert latest["document"]["name"] == "iris-chain"  # the pipeline's name wins
    assert [n["id"] for n in latest["document"]["nodes"]] == ["load", "split", "train"]


def test_each_save_is_a_new_immutable_version_with_author_time_and_message(
    api: Any, builtins: Any
) -> None:
    pipeline = create(api)
    first_doc = chain_document()
    second_doc = copy.deepcopy(first_doc)
    second_doc["nodes"][1]["inputs"]["test_fraction"] = {"value": 0.3}
    v2 = save(api, pipeline["id"], first_doc, "add the chain")
    v3 = save(api, pipeline["id"], second_doc, "bigger test set")
    assert (v2.status_code, v3.status_code) == (201, 201)
    assert [v2.json()["number"], v3.json()["number"]] == [2, 3]
    assert v3.json()["author"] == "olivia" and v3.json()["message"] == "bigger test set"
    assert parse_datetime(v3.json()["created_at"]) >= parse_datetime(v2.json()["created_at"])
    assert v2.json()["digest"] != v3.json()["digest"]
    again = api.get(f"/api/pipelines/{pipeline['id']}/versions/2/").json()
    assert again["document"] == first_doc and again["message"] == "add the chain"
    assert api.get(f"/api/pipelines/{pipeline['id']}/").json()["latest_version"] == 3


def test_an_invalid_document_is_saved_as_a_draft_marked_invalid_with_its_errors(
    api: Any, builtins: Any
) -> None:
    pipeline = create(api)
    document = chain_document()
    del document["nodes"][2]["inputs"]["target_column"]
    response = save(api, pipeline["id"], document, "wip")
    assert response.status_code == 201
    body = response.json()
    assert body["is_valid"] is False
    assert {"node": "train", "port": "target_column", "code": "missing_required_input"} in [
        {k: e[k] for k in ("node", "port", "code")} for e in body["errors"]
    ]
    listed = api.get(f"/api/pipelines/{pipeline['id']}/versions/").json()
    assert [(v["number"], v["is_valid"]) for v in listed] == [(2, False), (1, True)]
    assert "document" not in listed[0]


def test_a_document_that_is_not_an_object_is_refused(api: Any) -> None:
    pipeline = create(api)
    for document in [["a", "list"], "text", 3, None]:
        response = save(api, pipeline["id"], document)
        assert response.status_code == 400, document
        assert_error_shape(response.json(), "invalid")
        assert "document" in response.json()["details"]
    assert PipelineVersion.objects.count() == 1


def test_creating_with_a_document_that_is_not_an_object_is_refused(api: Any) -> None:
    response = api.post("/api/pipelines/", {"name": "x", "document": [1, 2]}, format="json")
    assert response.status_code == 400
    assert_error_shape(response.json())
    assert not Pipeline.objects.exists()


def test_get_the_latest_or_a_given_version(api: Any, builtins: Any) -> None:
    pipeline = create(api)
    save(api, pipeline["id"], chain_document(), "v2")
    detail = api.get(f"/api/pipelines/{pipeline['id']}/").json()
    assert detail["latest"]["number"] == 2 and detail["latest"]["message"] == "v2"
    first = api.get(f"/api/pipelines/{pipeline['id']}/versions/1/").json()
    assert first["number"] == 1 and first["document"]["nodes"] == []
    missing = api.get(f"/api/pipelines/{pipeline['id']}/versions/9/")
    assert missing.status_code == 404
    assert_error_shape(missing.json(), "not_found")
    assert api.get("/api/pipelines/999999/").status_code == 404


def test_pipeline_names_are_unique(api: Any) -> None:
    create(api, "taken")
    response = api.post("/api/pipelines/", {"name": "taken"}, format="json")
    assert response.status_code == 409
    assert_error_shape(response.json(), "name_taken")
    assert response.json()["details"] == {"name": "taken"}
    assert Pipeline.objects.count() == 1


def test_renaming_through_a_saved_document_to_a_taken_name_is_refused(api: Any) -> None:
    create(api, "taken")
    other = create(api, "other")
    document = other["latest"]["document"] | {"name": "taken"}
    response = save(api, other["id"], document)
    assert response.status_code == 409
    assert_error_shape(response.json(), "name_taken")
    assert api.get(f"/api/pipelines/{other['id']}/").json()["latest_version"] == 1


def test_a_saved_document_renames_the_pipeline(api: Any) -> None:
    pipeline = create(api, "before")
    document = pipeline["latest"]["document"] | {"name": "after", "description": "renamed"}
    assert save(api, pipeline["id"], document).status_code == 201
    detail = api.get(f"/api/pipelines/{pipeline['id']}/").json()
    assert (detail["name"], detail["description"]) == ("after", "renamed")


def test_the_list_searches_filters_by_owner_and_hides_archived(api: Any, outsider_api: Any) -> None:
    create(api, "churn-model", description="predicts churn")
    create(api, "iris")
    create(outsider_api, "oscars-churn")
    archived = create(api, "old-churn")
    api.post(f"/api/pipelines/{archived['id']}/archive/", {}, format="json")

    def names(**params: str) -> list[str]:
        response = api.get("/api/pipelines/", params)
        assert response.status_code == 200
        return sorted(p["name"] for p in response.json()["results"])

    assert names() == ["churn-model", "iris", "oscars-churn"]
    assert names(search="churn") == ["churn-model", "oscars-churn"]
    assert names(search="PREDICTS") == ["churn-model"]
    assert names(owner="oscar") == ["oscars-churn"]
    assert names(owner="olivia", search="churn") == ["churn-model"]
    assert names(archived="true") == ["churn-model", "iris", "old-churn", "oscars-churn"]


def test_the_list_shows_the_last_updated_first(api: Any) -> None:
    first = create(api, "first")
    create(api, "second")
    save(api, first["id"], first["latest"]["document"])
    results = api.get("/api/pipelines/").json()["results"]
    assert [p["name"] for p in results] == ["first", "second"]


def test_clone_copies_any_version_into_a_new_pipeline_of_the_caller(
    api: Any, outsider_api: Any, builtins: Any
) -> None:
    source = create(api, "source")
    save(api, source["id"], chain_document(), "v2")
    save(api, source["id"], source["latest"]["document"], "v3 emptied")
    response = outsider_api.post(
        f"/api/pipelines/{source['id']}/clone/", {"name": "my-copy", "version": 2}, format="json"
    )
    assert response.status_code == 201, response.json()
    clone = response.json()
    assert clone["id"] != source["id"]
    assert (clone["name"], clone["owner"], clone["latest_version"]) == ("my-copy", "oscar", 1)
    expected = chain_document() | {"name": "my-copy"}
    assert clone["latest"]["document"] == expected
    assert clone["latest"]["message"] == "cloned from source v2"
    assert api.get(f"/api/pipelines/{source['id']}/").json()["latest_version"] == 3


def test_clone_defaults_to_the_latest_version_and_checks_the_name(api: Any) -> None:
    source = create(api, "source")
    response = api.post(f"/api/pipelines/{source['id']}/clone/", {"name": "copy"}, format="json")
    assert response.status_code == 201
    assert response.json()["latest"]["message"] == "cloned from source v1"
    taken = api.post(f"/api/pipelines/{source['id']}/clone/", {"name": "copy"}, format="json")
    assert taken.status_code == 409
    assert_error_shape(taken.json(), "name_taken")
    missing = api.post(
        f"/api/pipelines/{source['id']}/clone/", {"name": "c2", "version": 7}, format="json"
    )
    assert missing.status_code == 404
    assert_error_shape(missing.json(), "not_found")


def test_archive_and_unarchive(api: Any) -> None:
    pipeline = create(api)
    url = f"/api/pipelines/{pipeline['id']}/archive/"
    response = api.post(url, {}, format="json")
    assert response.status_code == 200 and response.json()["archived"] is True
    assert api.get("/api/pipelines/").json()["results"] == []
    assert api.get(f"/api/pipelines/{pipeline['id']}/").json()["archived"] is True
    response = api.post(url, {"archived": False}, format="json")
    assert response.status_code == 200 and response.json()["archived"] is False
    assert [p["id"] for p in api.get("/api/pipelines/").json()["results"]] == [pipeline["id"]]


def test_an_outsider_can_read_but_not_change_someone_elses_pipeline(
    api: Any, outsider_api: Any
) -> None:
    pipeline = create(api)
    pid = pipeline["id"]
    assert outsider_api.get(f"/api/pipelines/{pid}/").status_code == 200
    assert outsider_api.get(f"/api/pipelines/{pid}/versions/").status_code == 200
    assert outsider_api.get(f"/api/pipelines/{pid}/versions/1/").status_code == 200
    refused = save(outsider_api, pid, pipeline["latest"]["document"])
    assert refused.status_code == 403
    assert_error_shape(refused.json(), "permission_denied")
    assert "clone" in refused.json()["message"]
    archive = outsider_api.post(f"/api/pipelines/{pid}/archive/", {}, format="json")
    assert archive.status_code == 403
    assert PipelineVersion.objects.count() == 1
    assert Pipeline.objects.get().archived_at is None


def test_an_admin_can_change_anyones_pipeline(api: Any, admin_user_: Any) -> None:
    from rest_framework.test import APIClient

    pipeline = create(api)
    admin = APIClient()
    admin.force_authenticate(admin_user_)
    response = save(admin, pipeline["id"], pipeline["latest"]["document"], "fixed by admin")
    assert response.status_code == 201
    assert response.json()["author"] == "ada"
