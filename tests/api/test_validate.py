"""POST /api/pipelines/validate/: every problem at once, against the real registry, unsaved."""

from __future__ import annotations

from typing import Any

import pytest

from designer.pipelines.models import Pipeline, PipelineVersion
from tests.api import assert_error_shape, chain_document, edge, node

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("builtins")]
URL = "/api/pipelines/validate/"


def validate(api: Any, document: Any) -> dict[str, Any]:
    response = api.post(URL, {"document": document}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def kinds(body: dict[str, Any]) -> set[tuple[Any, Any, str]]:
    return {(e["node"], e["port"], e["code"]) for e in body["errors"]}


def test_a_valid_document_has_no_errors(api: Any) -> None:
    assert validate(api, chain_document()) == {"valid": True, "errors": []}


def test_an_unknown_component_is_reported_on_its_node(api: Any) -> None:
    document = chain_document()
    document["nodes"].append(node("ghost", "no_such_component@1"))
    body = validate(api, document)
    assert body["valid"] is False
    [error] = body["errors"]
    assert (error["node"], error["code"]) == ("ghost", "unknown_component")
    assert "no component is named 'no_such_component'" in error["message"]


def test_an_unknown_version_of_a_known_component_says_so(api: Any) -> None:
    document = chain_document()
    document["nodes"][0]["component"] = "load_csv@99"
    [error] = validate(api, document)["errors"]
    assert (error["node"], error["code"]) == ("load", "unknown_component")
    assert "'load_csv' has no version '99'" in error["message"]


def test_a_cycle_names_the_nodes_on_it(api: Any) -> None:
    document = chain_document()
    document["nodes"] = [node("a", "split_data@1"), node("b", "split_data@1")]
    document["edges"] = [
        edge("a", "train_data", "b", "input_data"),
        edge("b", "train_data", "a", "input_data"),
    ]
    document["outputs"] = {}
    document["inputs"] = {}
    body = validate(api, document)
    [cycle] = [e for e in body["errors"] if e["code"] == "cycle"]
    assert "a" in cycle["message"] and "b" in cycle["message"]


def test_a_missing_required_input_names_the_node_and_port(api: Any) -> None:
    document = chain_document()
    del document["nodes"][2]["inputs"]["target_column"]
    assert kinds(validate(api, document)) == {("train", "target_column", "missing_required_input")}


def test_incompatible_port_types_are_reported_on_the_target(api: Any) -> None:
    document = chain_document()
    document["nodes"].append(node("again", "load_csv@1"))
    document["edges"].append(edge("split", "test_data", "again", "source"))
    [error] = validate(api, document)["errors"]
    assert (error["node"], error["port"], error["code"]) == (
        "again",
        "source",
        "incompatible_types",
    )
    assert "(uri_folder)" in error["message"] and "(uri_file)" in error["message"]


def test_a_value_out_of_range_and_an_unknown_port_are_reported_together(api: Any) -> None:
    document = chain_document()
    document["nodes"][1]["inputs"]["test_fraction"] = {"value": 1.5}
    document["edges"].append(edge("load", "output_data", "train", "no_such_port"))
    assert kinds(validate(api, document)) >= {
        ("split", "test_fraction", "invalid_value"),
        ("train", "no_such_port", "unknown_port"),
    }


def test_validation_saves_nothing(api: Any) -> None:
    validate(api, chain_document())
    document = chain_document()
    del document["nodes"][2]["inputs"]["target_column"]
    validate(api, document)
    assert not Pipeline.objects.exists() and not PipelineVersion.objects.exists()


@pytest.mark.parametrize("document", [[1, 2], "text", 7, None, {}])
def test_any_json_gets_an_answer_not_a_crash(api: Any, document: Any) -> None:
    response = api.post(URL, {"document": document}, format="json")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["valid"] is False and response.json()["errors"]
    else:
        assert_error_shape(response.json())


def test_a_request_without_a_document_is_a_400(api: Any) -> None:
    response = api.post(URL, {}, format="json")
    assert response.status_code == 400
    assert_error_shape(response.json())
    assert "document" in response.json()["details"]
