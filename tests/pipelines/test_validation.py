"""Full validation of pipeline documents: one test per issue code, plus the graph helpers."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest

from designer.pipelines.documents import new_document
from designer.pipelines.validation import (
    ValidationIssue,
    graph_of,
    topological_order,
    upstream_edges,
    validate_document,
)
from tests.pipelines import POOLS, known_name, load_document, resolve


def validate(doc: Any, **kwargs: Any) -> list[ValidationIssue]:
    kwargs.setdefault("compute_pools", POOLS)
    return validate_document(doc, resolve=resolve, **kwargs)


def only(doc: Any, code: str, **kwargs: Any) -> ValidationIssue:
    """The single issue of `code`; fails when there is none or more than one."""
    found = [issue for issue in validate(doc, **kwargs) if issue.code == code]
    assert len(found) == 1, validate(doc, **kwargs)
    return found[0]


def edge(source: str, source_port: str, target: str, target_port: str) -> dict[str, str]:
    return {
        "source": source,
        "source_port": source_port,
        "target": target,
        "target_port": target_port,
    }


@pytest.mark.parametrize("name", ["chain", "diamond", "pipeline_inputs"])
def test_the_valid_fixtures_have_no_issues(name: str) -> None:
    assert validate(load_document(name)) == []


def test_an_empty_new_document_has_no_issues() -> None:
    assert validate(new_document("empty")) == []


def test_the_invalid_fixture_reports_every_mistake_at_once() -> None:
    issues = validate(load_document("invalid"))
    assert issues[0].code == "schema"  # schema errors come first
    assert {issue.code for issue in issues} == {
        "schema",
        "duplicate_node_id",
        "unknown_component",
        "unknown_compute",
        "invalid_pipeline_input_default",
        "invalid_value",
        "unknown_pipeline_input",
        "incompatible_types",
        "duplicate_edge_into_input",
        "cycle",
        "missing_required_input",
        "unknown_node",
    }


def test_an_issue_is_a_plain_dict_for_the_api() -> None:
    issue = ValidationIssue("train", "lr", "invalid_value", "why")
    assert issue.as_dict() == {
        "node": "train",
        "port": "lr",
        "code": "invalid_value",
        "message": "why",
    }


def test_a_schema_error_is_reported_with_code_schema() -> None:
    doc = load_document("chain")
    doc["nodes"][0]["settings"]["timeout_seconds"] = "soon"
    issue = only(doc, "schema")
    assert issue.node == "load" and "timeout_seconds" in issue.message


def test_two_nodes_with_the_same_id_are_reported() -> None:
    doc = load_document("chain")
    doc["nodes"].append(copy.deepcopy(doc["nodes"][2]))
    issue = only(doc, "duplicate_node_id")
    assert (issue.node, issue.port) == ("train", None)
    assert "'train'" in issue.message


def test_an_unknown_component_name_is_told_apart_from_an_unknown_version() -> None:
    doc = load_document("chain")
    doc["nodes"][1]["component"] = "split_data@7"
    doc["nodes"][2]["component"] = "train_xgboost@1"
    issues = [i for i in validate(doc, known_names=known_name) if i.code == "unknown_component"]
    assert [(i.node, i.port) for i in issues] == [("split", None), ("train", None)]
    assert issues[0].message == (
        "node 'split': component 'split_data@7' not found: 'split_data' has no version '7'"
    )
    assert (
        issues[1].message == "node 'train': component 'train_xgboost@1' not found: "
        "no component is named 'train_xgboost'"
    )


def test_without_known_names_an_unknown_component_names_the_ref() -> None:
    doc = load_document("chain")
    doc["nodes"][1]["component"] = "split_data@7"
    issue = only(doc, "unknown_component")
    assert issue.message == (
        "node 'split': component 'split_data@7' not found: unknown name or version"
    )


def test_an_edge_from_a_missing_node_is_reported() -> None:
    doc = load_document("chain")
    doc["edges"].append(edge("ghost", "out", "train", "training_data"))
    issue = only(doc, "unknown_node")
    assert (issue.node, issue.port) == ("ghost", "out")
    assert "node 'ghost' does not exist" in issue.message


def test_an_edge_from_or_to_a_missing_port_is_reported() -> None:
    doc = load_document("chain")
    doc["edges"][0]["source_port"] = "rows"
    issue = only(doc, "unknown_port")
    assert (issue.node, issue.port) == ("load", "rows")
    assert "node 'load' has no output 'rows' (outputs: output_data)" in issue.message


def test_a_value_for_an_undeclared_input_is_reported_as_an_unknown_port() -> None:
    doc = load_document("chain")
    doc["nodes"][2]["inputs"]["epochs"] = {"value": 3}
    issue = only(doc, "unknown_port")
    assert (issue.node, issue.port) == ("train", "epochs")
    assert "node 'train' has no input 'epochs'" in issue.message


def test_an_edge_between_incompatible_types_names_both_types_and_both_ends() -> None:
    doc = load_document("chain")
    doc["nodes"][0]["inputs"]["source"] = {"pipeline_input": "raw_data"}
    doc["edges"].append(edge("train", "model_output", "load", "source"))
    del doc["nodes"][0]["inputs"]["source"]
    issue = only(doc, "incompatible_types")
    assert (issue.node, issue.port) == ("load", "source")
    for text in ("train.model_output", "custom_model", "load.source", "uri_file"):
        assert text in issue.message


def test_an_edge_into_a_primitive_input_is_incompatible() -> None:
    doc = load_document("chain")
    doc["edges"].append(edge("load", "output_data", "split", "seed"))
    del doc["nodes"][1]["inputs"]["seed"]
    issue = only(doc, "incompatible_types")
    assert (issue.node, issue.port) == ("split", "seed")
    assert "takes a value or a pipeline_input, not an edge" in issue.message


def test_two_edges_into_one_input_are_reported() -> None:
    doc = load_document("diamond")
    doc["edges"].append(edge("split", "test_data", "train_lr", "training_data"))
    issue = only(doc, "duplicate_edge_into_input")
    assert (issue.node, issue.port) == ("train_lr", "training_data")
    assert "2 incoming edges (from split.train_data, split.test_data)" in issue.message


def test_an_edge_and_a_binding_on_one_input_are_reported() -> None:
    doc = load_document("chain")
    doc["nodes"][1]["inputs"]["data"] = {"pipeline_input": "raw_data"}
    issue = only(doc, "duplicate_edge_into_input")
    assert (issue.node, issue.port) == ("split", "data")
    assert "edge (from load.output_data)" in issue.message


def test_a_cycle_names_its_nodes_in_order() -> None:
    doc = load_document("chain")
    doc["nodes"][0]["inputs"] = {}
    doc["edges"].append(edge("train", "model_output", "load", "source"))
    doc["nodes"].append(dict(doc["nodes"][0], id="other"))
    issue = only(doc, "cycle")
    assert issue.node == "load"
    assert issue.message == "cycle: load -> split -> train -> load"


def test_a_self_loop_is_a_cycle() -> None:
    doc = load_document("chain")
    doc["edges"].append(edge("split", "train_data", "split", "data"))
    issue = only(doc, "cycle")
    assert issue.message == "cycle: split -> split"


def test_each_separate_cycle_is_reported() -> None:
    doc = load_document("diamond")
    doc["edges"] += [edge("split", "x", "load", "y"), edge("compare", "a", "train_rf", "b")]
    cycles = [i.message for i in validate(doc) if i.code == "cycle"]
    assert cycles == [
        "cycle: compare -> train_rf -> compare",
        "cycle: load -> split -> load",
    ]


def test_a_required_input_left_empty_is_reported() -> None:
    doc = load_document("chain")
    del doc["nodes"][2]["inputs"]["label_column"]
    doc["edges"].pop()
    issues = [i for i in validate(doc) if i.code == "missing_required_input"]
    assert [(i.node, i.port) for i in issues] == [
        ("train", "training_data"),
        ("train", "label_column"),
    ]
    assert "an edge or a pipeline_input" in issues[0].message
    assert issues[1].message == (
        "node 'train' input 'label_column' (string) is required: "
        "give it a value or a pipeline_input"
    )


def test_a_null_value_leaves_a_required_input_unset_but_optional_and_defaulted_ones_are_fine() -> (
    None
):
    doc = load_document("chain")
    doc["nodes"][2]["inputs"]["label_column"] = {"value": None}
    doc["nodes"][1]["inputs"] = {}  # seed is optional, test_fraction has a default
    issue = only(doc, "missing_required_input")
    assert (issue.node, issue.port) == ("train", "label_column")


@pytest.mark.parametrize(
    ("port", "value", "expected"),
    [
        ("max_iter", True, "node 'train' input 'max_iter': true is not an integer"),
        ("max_iter", 2.5, "node 'train' input 'max_iter': 2.5 is not an integer"),
        ("learning_rate", 1.5, "node 'train' input 'learning_rate': 1.5 is above the maximum 1.0"),
        ("learning_rate", 0, "node 'train' input 'learning_rate': 0 is below the minimum 0.0001"),
        ("learning_rate", "0.1", "node 'train' input 'learning_rate': \"0.1\" is not a number"),
        ("algorithm", "svm", "node 'train' input 'algorithm': \"svm\" is not one of"),
        ("label_column", 7, "node 'train' input 'label_column': 7 is not a string"),
        ("training_data", "data/", "a data input takes an edge or a pipeline_input"),
    ],
)
def test_an_invalid_value_names_the_node_the_port_and_why(
    port: str, value: Any, expected: str
) -> None:
    doc = load_document("chain")
    doc["nodes"][2]["inputs"][port] = {"value": value}
    if port == "training_data":
        doc["edges"].pop()
    issue = only(doc, "invalid_value")
    assert (issue.node, issue.port) == ("train", port)
    assert expected in issue.message


def test_a_pipeline_input_default_outside_the_ports_range_is_an_invalid_value() -> None:
    doc = load_document("pipeline_inputs")
    doc["inputs"]["learning_rate"]["default"] = 5
    issue = only(doc, "invalid_value")
    assert (issue.node, issue.port) == ("train", "learning_rate")
    assert (
        "pipeline input 'learning_rate'" in issue.message
        and "above the maximum 1.0" in issue.message
    )


def test_a_binding_to_a_missing_pipeline_input_is_reported() -> None:
    doc = load_document("pipeline_inputs")
    doc["nodes"][2]["inputs"]["max_iter"] = {"pipeline_input": "iterations"}
    issue = only(doc, "unknown_pipeline_input")
    assert (issue.node, issue.port) == ("train", "max_iter")
    assert "no pipeline input 'iterations'" in issue.message


@pytest.mark.parametrize(
    ("input_type", "node_index", "port"),
    [
        ("number", 2, "max_iter"),  # a number would be truncated into an integer
        ("string", 2, "max_iter"),
        ("uri_folder", 0, "source"),  # a folder is not a file
        ("integer", 0, "source"),
    ],
)
def test_a_pipeline_input_bound_to_a_port_of_another_type_is_reported(
    input_type: str, node_index: int, port: str
) -> None:
    doc = load_document("pipeline_inputs")
    doc["inputs"]["x"] = {"type": input_type}
    doc["nodes"][node_index]["inputs"][port] = {"pipeline_input": "x"}
    issue = only(doc, "pipeline_input_type_mismatch")
    assert issue.port == port
    assert f"pipeline input 'x' is {input_type}" in issue.message


def test_an_integer_pipeline_input_may_feed_a_number_port() -> None:
    doc = load_document("pipeline_inputs")
    doc["inputs"]["learning_rate"] = {"type": "integer", "default": 1}
    assert validate(doc) == []


def test_a_pipeline_input_default_of_the_wrong_type_is_reported() -> None:
    doc = load_document("pipeline_inputs")
    doc["inputs"]["max_iter"]["default"] = "many"
    doc["inputs"]["training_data"]["default"] = 3
    issues = [i for i in validate(doc) if i.code == "invalid_pipeline_input_default"]
    assert [(i.node, i.port) for i in issues] == [(None, "training_data"), (None, "max_iter")]
    assert "not a path or URI" in issues[0].message
    assert issues[1].message == "pipeline input 'max_iter': default \"many\" is not an integer"


def test_a_node_compute_that_is_not_a_pool_is_reported() -> None:
    doc = load_document("diamond")
    issue = only(doc, "unknown_compute", compute_pools=("cpu",))
    assert (issue.node, issue.port) == ("train_rf", None)
    assert "compute 'highmem' is not a compute pool (known: cpu)" in issue.message


def test_a_default_compute_that_is_not_a_pool_is_reported() -> None:
    doc = load_document("chain")
    doc["settings"]["default_compute"] = "tpu"
    issue = only(doc, "unknown_compute")
    assert issue.node is None and "settings.default_compute: 'tpu'" in issue.message


def test_an_unset_default_compute_means_cpu() -> None:
    doc = load_document("chain")
    del doc["settings"]
    doc["nodes"][2]["compute"] = None
    assert validate(doc, compute_pools=("cpu",)) == []
    issue = only(doc, "unknown_compute", compute_pools=("gpu",))
    assert "'cpu' is not a compute pool" in issue.message


def test_a_pipeline_output_from_a_missing_node_or_port_is_reported() -> None:
    doc = load_document("chain")
    doc["outputs"]["ghost"] = {"node": "ghost", "port": "model_output"}
    doc["outputs"]["trained_model"]["port"] = "weights"
    missing_node = only(doc, "unknown_node")
    assert (missing_node.node, missing_node.port) == ("ghost", "model_output")
    assert missing_node.message == "pipeline output 'ghost': node 'ghost' does not exist"
    missing_port = only(doc, "unknown_port")
    assert (missing_port.node, missing_port.port) == ("train", "weights")
    assert (
        "pipeline output 'trained_model': node 'train' has no output 'weights'"
        in missing_port.message
    )


def test_latest_is_passed_to_the_resolver() -> None:
    doc = load_document("chain")
    doc["nodes"][0]["component"] = "load_csv@latest"
    seen: list[str] = []

    def latest(ref: str) -> Any:
        seen.append(ref)
        return resolve(ref.replace("@latest", "@1"))

    assert validate_document(doc, resolve=latest) == []
    assert "load_csv@latest" in seen


def test_the_graph_helpers_order_the_diamond() -> None:
    doc = load_document("diamond")
    order = topological_order(doc)
    assert order == ["load", "split", "train_lr", "train_rf", "compare"]
    graph = graph_of(doc)
    assert graph.edges["split", "train_lr"]["ports"] == [("train_data", "training_data")]
    sources = [(e.source, e.source_port, e.target_port) for e in upstream_edges(doc, "compare")]
    assert sources == [
        ("train_lr", "model_output", "model_a"),
        ("train_rf", "model_output", "model_b"),
        ("split", "test_data", "test_data"),
    ]


def test_topological_order_refuses_a_cycle() -> None:
    doc = load_document("chain")
    doc["edges"].append(edge("train", "model_output", "load", "source"))
    with pytest.raises(ValueError, match="cycle: load -> split -> train -> load"):
        topological_order(doc)


JUNK: list[Any] = [None, 0, "x", [], {}, [{}], {"nodes": None}, {"nodes": [None, 1, "a", []]}]


def _mutate(value: Any, rng: random.Random) -> Any:
    """Replace one random part of a JSON value with junk."""
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(sorted(value))
        return {**value, key: _mutate(value[key], rng)}
    if isinstance(value, list) and value and rng.random() < 0.8:
        index = rng.randrange(len(value))
        return [*value[:index], _mutate(value[index], rng), *value[index + 1 :]]
    return copy.deepcopy(rng.choice([*JUNK, True, -1, 1.5, {"value": None}, {"pipeline_input": 3}]))


@pytest.mark.parametrize("value", JUNK)
def test_any_json_value_is_validated_without_raising(value: Any) -> None:
    issues = validate(value)
    assert issues and all(issue.code == "schema" for issue in issues)


def test_randomly_broken_documents_are_validated_without_raising() -> None:
    rng = random.Random(20241126)
    fixtures = [load_document(n) for n in ("chain", "diamond", "pipeline_inputs", "invalid")]
    for _ in range(600):
        doc = rng.choice(fixtures)
        for _ in range(rng.randint(1, 4)):
            doc = _mutate(doc, rng)
        issues = validate(doc, known_names=known_name)
        json.dumps([issue.as_dict() for issue in issues])
        graph_of(doc)
