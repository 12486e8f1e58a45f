"""One error shape for every 4xx: {"code", "message", "details"}; bad input never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.api import assert_error_shape

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/nope/", "/api/components/x/versions/1/extra/", "/api/"])
def test_an_unknown_api_path_is_a_404_in_the_error_shape(api: Any, path: str) -> None:
    for client in (api, APIClient()):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json"
        assert_error_shape(response.json(), "not_found")
        assert path in response.json()["message"]


@pytest.mark.parametrize(
    "path", ["/api/pipelines/", "/api/pipelines/validate/", "/api/auth/token/"]
)
def test_a_malformed_json_body_is_a_400(api: Any, path: str) -> None:
    response = api.post(path, data='{"name": "x",', content_type="application/json")
    assert response.status_code == 400
    assert_error_shape(response.json(), "parse_error")


def test_nan_is_not_json(api: Any) -> None:
    response = api.post(
        "/api/pipelines/validate/", data='{"document": {"x": NaN}}', content_type="application/json"
    )
    assert response.status_code == 400
    assert_error_shape(response.json())


def test_an_unsupported_media_type_is_a_415(api: Any) -> None:
    response = api.post("/api/pipelines/", data="name=x", content_type="text/plain")
    assert response.status_code == 415
    assert_error_shape(response.json(), "unsupported_media_type")


def test_a_wrong_method_is_a_405(api: Any) -> None:
    response = api.delete("/api/components/")
    assert response.status_code == 405
    assert_error_shape(response.json(), "method_not_allowed")


def test_field_errors_are_listed_under_details(api: Any) -> None:
    response = api.post("/api/pipelines/", {"name": ""}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert_error_shape(body, "invalid")
    assert list(body["details"]) == ["name"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/pipelines/99999999999999999999999/",
        "/api/pipelines/99999999999999999999999/versions/",
        "/api/pipelines/1/versions/99999999999999999999999/",
    ],
)
def test_an_id_too_large_for_the_database_is_a_404(api: Any, path: str) -> None:
    api.post("/api/pipelines/", {"name": "one"}, format="json")
    response = api.get(path)
    assert response.status_code == 404
    assert_error_shape(response.json(), "not_found")


def test_revoking_a_token_id_too_large_for_the_database_is_a_404(api: Any) -> None:
    response = api.delete("/api/auth/tokens/99999999999999999999999/")
    assert response.status_code == 404
    assert_error_shape(response.json(), "not_found")


def test_a_component_name_with_odd_characters_is_a_404(api: Any) -> None:
    for name in ["..", "a%2Fb", "x" * 400, "%E2%9C%93"]:
        response = api.get(f"/api/components/{name}/")
        assert response.status_code == 404, name
        assert_error_shape(response.json())


def test_a_bad_page_number_is_a_404(api: Any) -> None:
    for page in ["abc", "0", "-1"]:
        response = api.get("/api/pipelines/", {"page": page})
        assert response.status_code == 404
        assert_error_shape(response.json())


def test_a_clone_with_a_bad_version_is_a_400(api: Any) -> None:
    pid = api.post("/api/pipelines/", {"name": "one"}, format="json").json()["id"]
    response = api.post(
        f"/api/pipelines/{pid}/clone/", {"name": "c", "version": "x"}, format="json"
    )
    assert response.status_code == 400
    assert_error_shape(response.json(), "invalid")
    assert "version" in response.json()["details"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/components/?search=%00",
        "/api/components/?tag=a%00",
        "/api/pipelines/?search=%00",
        "/api/pipelines/?owner=%00",
        "/api/components/%00/versions/latest/",
        "/api/components/a/versions/%00/",
    ],
)
def test_a_nul_character_in_the_url_is_never_a_500(api: Any, path: str) -> None:
    response = api.get(path)
    assert response.status_code in (200, 400, 404), response.status_code
    if response.status_code != 200:
        assert_error_shape(response.json())


def test_a_nul_character_in_a_document_is_refused_on_every_database(api: Any) -> None:
    pid = api.post("/api/pipelines/", {"name": "one"}, format="json").json()["id"]
    document = {"name": "one", "description": "bad\u0000byte", "nodes": [], "edges": []}
    response = api.post(f"/api/pipelines/{pid}/versions/", {"document": document}, format="json")
    assert response.status_code == 400
    assert_error_shape(response.json(), "invalid")
    assert "NUL" in str(response.json()["details"]["document"])
    created = api.post("/api/pipelines/", {"name": "two", "document": document}, format="json")
    assert created.status_code == 400
    assert api.get(f"/api/pipelines/{pid}/").json()["latest_version"] == 1


def test_a_nul_character_in_credentials_is_a_400(owner: Any) -> None:
    response = APIClient().post(
        "/api/auth/token/", {"username": "oli\u0000via", "password": "x"}, format="json"
    )
    assert response.status_code == 400
    assert_error_shape(response.json())


def test_a_nul_character_in_a_component_spec_is_a_400(api: Any) -> None:
    response = api.post("/api/components/", {"spec": "name: a\u0000b\n"}, format="json")
    assert response.status_code == 400
    assert_error_shape(response.json())
