"""The port-type compatibility table and value checks."""

from __future__ import annotations

import json

import pytest

from designer.pipelines.types import (
    binding_compatible,
    compatibility_matrix,
    compatible,
    value_problem,
)
from designer.registry.types import DATA_TYPES, INPUT_TYPES, PRIMITIVE_TYPES, PortSpec


@pytest.mark.parametrize("data_type", DATA_TYPES)
def test_every_data_type_connects_to_itself(data_type: str) -> None:
    assert compatible(data_type, data_type)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("uri_folder", "mltable"),
        ("mltable", "uri_folder"),
        ("mlflow_model", "custom_model"),
        ("mlflow_model", "uri_folder"),
        ("custom_model", "uri_folder"),
        ("uri_folder", "custom_model"),
    ],
)
def test_folder_shaped_types_connect(source: str, target: str) -> None:
    assert compatible(source, target)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("custom_model", "mlflow_model"),
        ("uri_file", "uri_folder"),
        ("uri_folder", "uri_file"),
        ("uri_file", "mltable"),
        ("mltable", "custom_model"),
        ("uri_folder", "mlflow_model"),
    ],
)
def test_differently_shaped_types_do_not_connect(source: str, target: str) -> None:
    assert not compatible(source, target)


@pytest.mark.parametrize("source", INPUT_TYPES)
@pytest.mark.parametrize("target", PRIMITIVE_TYPES)
def test_nothing_connects_into_a_primitive_input(source: str, target: str) -> None:
    assert not compatible(source, target)


def test_an_unknown_type_connects_to_nothing() -> None:
    assert not compatible("dataframe", "uri_folder")
    assert not compatible("uri_folder", "dataframe")


def test_the_matrix_is_plain_json_and_agrees_with_compatible() -> None:
    matrix = compatibility_matrix()
    assert json.loads(json.dumps(matrix)) == matrix
    assert set(matrix) == set(DATA_TYPES)
    for source in DATA_TYPES:
        for target in INPUT_TYPES:
            assert (target in matrix[source]) == compatible(source, target)


def test_an_integer_pipeline_input_may_feed_a_number_input_but_not_the_reverse() -> None:
    assert binding_compatible("integer", "number")
    assert not binding_compatible("number", "integer")
    assert not binding_compatible("string", "boolean")
    assert not binding_compatible("string", "uri_file")
    assert binding_compatible("mltable", "uri_folder")


@pytest.mark.parametrize(
    ("port_type", "value", "expected"),
    [
        ("integer", True, "true is not an integer"),
        ("integer", 1.5, "1.5 is not an integer"),
        ("number", False, "false is not a number"),
        ("number", "0.1", '"0.1" is not a number'),
        ("number", float("nan"), "NaN is not a finite number"),
        ("boolean", 1, "1 is not a boolean"),
        ("string", 3, "3 is not a string"),
    ],
)
def test_a_value_of_the_wrong_type_is_explained(
    port_type: str, value: object, expected: str
) -> None:
    assert value_problem(PortSpec("p", port_type), value) == expected


@pytest.mark.parametrize(
    ("port_type", "value"), [("integer", 3), ("number", 3), ("number", 0.5), ("boolean", False)]
)
def test_a_value_of_the_right_type_is_accepted(port_type: str, value: object) -> None:
    assert value_problem(PortSpec("p", port_type), value) is None


def test_a_value_outside_its_range_or_enum_is_explained() -> None:
    number = PortSpec("lr", "number", min=0.0001, max=1.0)
    assert value_problem(number, 1.5) == "1.5 is above the maximum 1.0"
    assert value_problem(number, 0) == "0 is below the minimum 0.0001"
    choice = PortSpec("algo", "string", enum=("a", "b"))
    assert value_problem(choice, "c") == '"c" is not one of "a", "b"'


def test_a_data_input_never_takes_a_literal() -> None:
    problem = value_problem(PortSpec("data", "uri_folder"), "data/")
    assert problem is not None and "edge or a pipeline_input" in problem
