"""The JSON Schema of the pipeline document and how its errors are reported."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from designer.pipelines.documents import canonical_json, new_document, node_compute
from designer.pipelines.schema import PIPELINE_SCHEMA, schema_errors
from tests.pipelines import load_document

FIXTURES = ["chain", "diamond", "pipeline_inputs", "invalid"]


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(PIPELINE_SCHEMA)
    assert PIPELINE_SCHEMA["$id"].startswith("https://")


def test_the_schema_is_plain_json_so_the_api_can_serve_it() -> None:
    assert json.loads(json.dumps(PIPELINE_SCHEMA)) == PIPELINE_SCHEMA


@pytest.mark.parametrize("name", ["chain", "diamond", "pipeline_inputs"])
def test_the_valid_fixtures_match_the_schema(name: str) -> None:
    assert schema_errors(load_document(name)) == []


def test_a_new_document_matches_the_schema() -> None:
    assert schema_errors(new_document("empty")) == []


def test_a_schema_error_under_a_node_names_the_node_and_the_field() -> None:
    doc = load_document("chain")
    doc["nodes"][1]["settings"]["timeout_seconds"] = 0
    [issue] = schema_errors(doc)
    assert (issue.node, issue.port, issue.code) == ("split", None, "schema")
    assert issue.message.startswith("nodes[1].settings.timeout_seconds: ")
    assert "minimum" in issue.message


def test_a_malformed_binding_names_the_node_the_port_and_both_allowed_forms() -> None:
    doc = load_document("chain")
    doc["nodes"][1]["inputs"]["seed"] = {"value": 1, "pipeline_input": "seed"}
    [issue] = schema_errors(doc)
    assert (issue.node, issue.port, issue.code) == ("split", "seed", "schema")
    assert '"value"' in issue.message and '"pipeline_input"' in issue.message


def test_unknown_keys_are_refused_in_nodes_and_node_settings() -> None:
    doc = load_document("chain")
    doc["nodes"][0]["colour"] = "red"
    doc["nodes"][0]["settings"]["retries"] = 3
    messages = [issue.message for issue in schema_errors(doc)]
    assert any("nodes[0]: " in m and "'colour'" in m for m in messages)
    assert any("nodes[0].settings: " in m and "'retries'" in m for m in messages)


@pytest.mark.parametrize("ref", ["train", "train@", "@1", "a b@1"])
def test_a_component_reference_must_be_name_at_version(ref: str) -> None:
    doc = load_document("chain")
    doc["nodes"][2]["component"] = ref
    [issue] = schema_errors(doc)
    assert issue.node == "train" and "nodes[2].component" in issue.message


def test_a_node_id_must_be_an_identifier() -> None:
    doc = load_document("chain")
    doc["nodes"][0]["id"] = "1load"
    [issue] = schema_errors(doc)
    assert issue.node == "1load" and issue.message.startswith("nodes[0].id: ")


def test_errors_come_in_document_order() -> None:
    doc = load_document("chain")
    for node in doc["nodes"]:
        node["settings"]["timeout_seconds"] = -1
    doc["nodes"].extend(json.loads(json.dumps(doc["nodes"])) * 3)  # 12 nodes
    fields = [issue.message.split(":")[0] for issue in schema_errors(doc)]
    assert fields == [f"nodes[{i}].settings.timeout_seconds" for i in range(12)]


def test_a_document_that_is_not_an_object_gives_one_root_error() -> None:
    [issue] = schema_errors([1, 2])
    assert issue.node is None and issue.message.startswith("(document): ")


@pytest.mark.parametrize("name", FIXTURES)
def test_canonical_json_round_trips_and_ignores_key_order(name: str) -> None:
    doc = load_document(name)
    text = canonical_json(doc)
    assert json.loads(text) == doc
    reordered = json.loads(
        json.dumps(doc, sort_keys=False), object_pairs_hook=lambda p: dict(reversed(p))
    )
    assert canonical_json(reordered) == text
    assert " " not in canonical_json({"a": [1, 2], "b": {"c": None}})


def test_a_node_without_compute_runs_on_the_default_compute_then_on_cpu() -> None:
    doc = load_document("diamond")
    nodes = {node["id"]: node for node in doc["nodes"]}
    assert node_compute(doc, nodes["train_rf"]) == "highmem"
    assert node_compute(doc, nodes["load"]) == "cpu"
    doc["settings"]["default_compute"] = "gpu"
    assert node_compute(doc, nodes["load"]) == "gpu"
