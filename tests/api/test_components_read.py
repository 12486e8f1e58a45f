"""Reading the registry: list, search, tag filter, pagination, @latest, detail, code download."""

from __future__ import annotations

import io
import tarfile
from typing import Any

import pytest

from designer.registry.services import component_register
from tests.api import assert_error_shape, spec_yaml

pytestmark = pytest.mark.django_db


def register(name: str, version: str = "1", **kwargs: Any) -> None:
    component_register(yaml_text=spec_yaml(name, version, code=None, **kwargs))


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["name"] for item in response.json()["results"]]


@pytest.fixture
def catalog(db: None) -> None:
    register(
        "csv_reader", description="Reads comma separated files.", tags={"category": "Data Input"}
    )
    register(
        "tree_trainer",
        display_name="Gradient Boosted Trees",
        description="Fits a model.",
        tags={"category": "Model Training", "gpu": ""},
    )
    register("scorer", description="Scores a model on held out rows.", tags={"owner": "vision"})


def test_the_list_shows_every_component_with_its_latest_description(
    api: Any, catalog: None
) -> None:
    response = api.get("/api/components/")
    assert names(response) == ["csv_reader", "scorer", "tree_trainer"]
    first = response.json()["results"][0]
    assert first["tags"] == {"category": "Data Input"}
    assert first["latest_version"] == "1" and first["versions"] == ["1"]
    assert response.json()["count"] == 3


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("reader", ["csv_reader"]),  # name
        ("gradient boosted", ["tree_trainer"]),  # display name, every word must match
        ("HELD OUT", ["scorer"]),  # description, any case
        ("vision", ["scorer"]),  # tag value
        ("model", ["scorer", "tree_trainer"]),
        ("nothing-like-this", []),
    ],
)
def test_search_matches_name_display_name_description_and_tags(
    api: Any, catalog: None, search: str, expected: list[str]
) -> None:
    assert names(api.get("/api/components/", {"search": search})) == expected


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("category:Data Input", ["csv_reader"]),
        ("category:data input", ["csv_reader"]),
        ("category", ["csv_reader", "tree_trainer"]),
        ("gpu", ["tree_trainer"]),
        ("category:Model Scoring", []),
    ],
)
def test_the_tag_filter_takes_a_key_value_pair_or_a_bare_key(
    api: Any, catalog: None, tag: str, expected: list[str]
) -> None:
    assert names(api.get("/api/components/", {"tag": tag})) == expected


def test_search_and_tag_filter_combine(api: Any, catalog: None) -> None:
    assert names(api.get("/api/components/", {"search": "fits", "tag": "category"})) == [
        "tree_trainer"
    ]


def test_the_list_is_paginated_with_page_size(api: Any, db: None) -> None:
    for i in range(5):
        register(f"comp_{i}")
    first = api.get("/api/components/", {"page_size": 2})
    assert names(first) == ["comp_0", "comp_1"]
    assert first.json()["count"] == 5 and first.json()["next"]
    last = api.get("/api/components/", {"page_size": 2, "page": 3})
    assert names(last) == ["comp_4"]
    assert last.json()["next"] is None


def test_a_page_past_the_end_is_a_404_in_the_error_shape(api: Any, catalog: None) -> None:
    response = api.get("/api/components/", {"page": 99})
    assert response.status_code == 404
    assert_error_shape(response.json())


def test_latest_uses_natural_version_order(api: Any, db: None) -> None:
    for version in ["9", "10", "2"]:
        register("whole", version)
    for version in ["1.9", "1.10", "1.2"]:
        register("dotted", version)
    for name, latest in [("whole", "10"), ("dotted", "1.10")]:
        response = api.get(f"/api/components/{name}/versions/latest/")
        assert response.status_code == 200
        assert response.json()["version"] == latest
    listed = {c["name"]: c for c in api.get("/api/components/").json()["results"]}
    assert listed["whole"]["latest_version"] == "10"
    assert listed["whole"]["versions"] == ["10", "9", "2"]
    assert listed["dotted"]["latest_version"] == "1.10"
    detail = api.get("/api/components/dotted/").json()
    assert [v["version"] for v in detail["versions"]] == ["1.10", "1.9", "1.2"]
    assert detail["latest_version"] == "1.10"


def test_latest_of_mixed_whole_and_dotted_versions_is_the_highest(api: Any, db: None) -> None:
    for version in ["1.10", "9", "1.9", "10"]:
        register("mixed", version)
    assert api.get("/api/components/mixed/versions/latest/").json()["version"] == "10"
    [entry] = api.get("/api/components/").json()["results"]
    assert entry["versions"] == ["10", "9", "1.10", "1.9"]


def test_the_list_describes_a_component_by_its_latest_version(api: Any, db: None) -> None:
    register("evolving", "9", description="old words")
    register("evolving", "10", description="new words")
    [entry] = api.get("/api/components/").json()["results"]
    assert entry["description"] == "new words"
    assert names(api.get("/api/components/", {"search": "new"})) == ["evolving"]


def test_a_version_shows_its_ports_yaml_and_digest(api: Any, builtins: Any) -> None:
    response = api.get("/api/components/load_csv/versions/1/")
    assert response.status_code == 200
    body = response.json()
    assert body["ref"] == "load_csv@1"
    assert body["inputs"]["skip_rows"] == {
        "type": "integer",
        "optional": False,
        "default": 0,
        "has_default": True,
        "min": 0,
        "max": None,
        "enum": None,
        "description": "Lines to skip before the header.",
    }
    assert body["outputs"]["output_data"]["type"] == "uri_folder"
    assert "name: load_csv" in body["yaml"]
    assert len(body["digest"]) == 64 and body["source"] == "builtin"


@pytest.mark.parametrize(
    "path",
    [
        "/api/components/ghost/",
        "/api/components/ghost/versions/1/",
        "/api/components/ghost/versions/latest/",
        "/api/components/load_csv/versions/99/",
        "/api/components/ghost/versions/1/code/",
    ],
)
def test_unknown_components_and_versions_are_a_404_in_the_error_shape(
    api: Any, builtins: Any, path: str
) -> None:
    response = api.get(path)
    assert response.status_code == 404
    assert_error_shape(response.json(), "not_found")


def test_the_code_download_is_a_tar_gz_of_the_snapshot(api: Any, builtins: Any) -> None:
    response = api.get("/api/components/load_csv/versions/1/code/")
    assert response.status_code == 200
    assert "load_csv-1-code.tar.gz" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]
    from django.conf import settings

    assert files == {
        "load_csv.py": (settings.COMPONENTS_DIR / "load_csv/src/load_csv.py").read_bytes()
    }


def test_a_component_without_code_has_no_code_to_download(api: Any, db: None) -> None:
    register("codeless")
    response = api.get("/api/components/codeless/versions/latest/code/")
    assert response.status_code == 404
    assert_error_shape(response.json(), "no_code")
