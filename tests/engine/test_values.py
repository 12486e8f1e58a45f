"""Parameter validation and command-line rendering (pure: no database)."""

from __future__ import annotations

import pytest

from designer.engine.values import coerce_port_value, coerce_value, render_params, render_value
from designer.registry.types import PortSpec


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "True"),
        (False, "False"),
        (42, "42"),
        (-3, "-3"),
        (0.1, "0.1"),
        (0.00001, "1e-05"),
        (1e-05, "1e-05"),
        (2.5e16, "2.5e+16"),
        (3.0, "3.0"),
        ("a b; c", "a b; c"),
        (None, None),
    ],
)
def test_values_render_like_azure_ml(value, text):
    assert render_value(value) == text


def test_a_rendered_float_reads_back_as_the_same_float():
    for value in (0.1, 1 / 3, 1e-05, 123456.789e-12, 2.0**-1074):
        assert float(render_value(value)) == value


def test_non_finite_numbers_and_unknown_objects_cannot_be_rendered():
    with pytest.raises(ValueError):
        render_value(float("nan"))
    with pytest.raises(TypeError):
        render_value([1, 2])


def test_render_params_keeps_unset_values_as_none():
    assert render_params({"lr": 0.5, "flag": True, "opt": None}) == {
        "lr": "0.5",
        "flag": "True",
        "opt": None,
    }


@pytest.mark.parametrize(
    ("port_type", "value", "expected"),
    [
        ("integer", 7, 7),
        ("integer", "7", 7),
        ("integer", " -7 ", -7),
        ("integer", 3.0, 3),
        ("number", 2, 2),
        ("number", 0.5, 0.5),
        ("number", "1e-5", 1e-05),
        ("number", "0.00001", 1e-05),
        ("number", "12", 12),
        ("boolean", True, True),
        ("boolean", "true", True),
        ("boolean", "False", False),
        ("string", "hello", "hello"),
        ("uri_folder", "runs/r/n/1/outputs/x", "runs/r/n/1/outputs/x"),
        ("integer", None, None),
    ],
)
def test_valid_values_are_coerced_to_their_canonical_form(port_type, value, expected):
    result = coerce_value(port_type, value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("port_type", "value", "message"),
    [
        ("integer", True, "expected an integer"),
        ("integer", 2.5, "expected an integer"),
        ("integer", "2.5", "expected an integer"),
        ("number", "abc", "expected a number"),
        ("number", float("inf"), "finite"),
        ("number", "nan", "expected a number"),
        ("number", False, "expected a number"),
        ("boolean", 1, "expected a boolean"),
        ("boolean", "yes", "expected a boolean"),
        ("string", 5, "expected a string"),
        ("uri_file", "", "path or URI"),
        ("tensor", "x", "unknown type"),
    ],
)
def test_wrong_values_are_refused_with_the_input_name_and_reason(port_type, value, message):
    with pytest.raises(ValueError, match=message) as error:
        coerce_value(port_type, value, name="lr")
    assert "input 'lr'" in str(error.value)


def test_numbers_outside_their_bounds_are_refused():
    assert coerce_value("number", 0.5, minimum=0, maximum=1) == 0.5
    with pytest.raises(ValueError, match="below the minimum 0"):
        coerce_value("integer", -1, name="n", minimum=0)
    with pytest.raises(ValueError, match="above the maximum 1"):
        coerce_value("number", "1.5", name="p", maximum=1)


def test_a_string_outside_its_enum_is_refused():
    assert coerce_value("string", "adam", enum=("adam", "sgd")) == "adam"
    with pytest.raises(ValueError, match="not one of"):
        coerce_value("string", "rmsprop", name="optimizer", enum=("adam", "sgd"))


def test_coerce_port_value_uses_the_ports_type_bounds_and_name():
    port = PortSpec(name="epochs", type="integer", min=1, max=100)
    assert coerce_port_value(port, "10") == 10
    with pytest.raises(ValueError, match=r"input 'epochs'.*above the maximum 100"):
        coerce_port_value(port, 101)
