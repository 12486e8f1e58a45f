"""Pure tests of the command component spec parser and validator."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import yaml

from designer.registry.spec import parse_component_dict, parse_component_yaml
from designer.registry.types import ParsedSpec, Problem, SpecError

AZURE_STYLE_SPEC = """\
$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
name: train_model
display_name: Train model
version: 1
type: command
description: Trains a scikit-learn model on a tabular folder.
tags:
  author: data-team
  stage: 2
is_deterministic: true
inputs:
  training_data:
    type: uri_folder
    description: Folder with train.csv
  max_epochs:
    type: integer
    optional: true
    min: 1
    max: 100
  learning_rate:
    type: number
    default: 0.01
    min: 0.0
    max: 1.0
  learning_rate_schedule:
    type: string
    default: time-based
    enum: [time-based, step, exponential]
  use_gpu:
    type: boolean
    default: false
outputs:
  model_output:
    type: mlflow_model
code: ./src
environment: azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest
command: >-
  python train.py
  --training_data ${{inputs.training_data}}
  $[[--max_epochs ${{inputs.max_epochs}}]]
  --learning_rate ${{ inputs.learning_rate }}
  --learning_rate_schedule ${{inputs.learning_rate_schedule}}
  --use_gpu ${{inputs.use_gpu}}
  --model_output ${{outputs.model_output}}
"""


def base(**changes: object) -> dict[str, object]:
    """A minimal valid spec as a dict, with some fields replaced (None removes one)."""
    data: dict[str, object] = {
        "name": "echo_step",
        "version": "1",
        "inputs": {"message": {"type": "string"}},
        "outputs": {"out": {"type": "uri_folder"}},
        "command": "echo ${{inputs.message}} > ${{outputs.out}}/m.txt",
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def problems(data: object) -> list[Problem]:
    with pytest.raises(SpecError) as caught:
        parse_component_dict(data)
    return caught.value.problems


def assert_problem(data: object, field: str, fragment: str) -> None:
    found = problems(data)
    matching = [p for p in found if p.field == field and fragment in p.message]
    assert matching, f"no problem at {field!r} mentioning {fragment!r} in {found}"


def with_input(port: object, command: str = "echo ${{inputs.p}}") -> dict[str, object]:
    return base(inputs={"p": port}, outputs=None, command=command)


def warnings_of(parsed: ParsedSpec) -> list[tuple[str, str]]:
    return [(w.field, w.message) for w in parsed.warnings]


# A realistic spec


def test_a_realistic_azure_component_parses_with_every_field() -> None:
    spec = parse_component_yaml(AZURE_STYLE_SPEC, source="train/spec.yaml").spec
    assert spec.ref == "train_model@1"
    assert spec.display_name == "Train model"
    assert spec.tags == {"author": "data-team", "stage": "2"}
    assert spec.code == "./src"
    assert spec.environment == "azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest"
    assert spec.is_deterministic is True
    assert list(spec.inputs) == [
        "training_data",
        "max_epochs",
        "learning_rate",
        "learning_rate_schedule",
        "use_gpu",
    ]
    assert spec.inputs["training_data"].is_data and spec.inputs["training_data"].required
    assert spec.inputs["max_epochs"].optional and (
        spec.inputs["max_epochs"].min,
        spec.inputs["max_epochs"].max,
    ) == (1, 100)
    assert (
        spec.inputs["learning_rate"].default == 0.01 and not spec.inputs["learning_rate"].required
    )
    assert spec.inputs["learning_rate_schedule"].enum == ("time-based", "step", "exponential")
    assert spec.inputs["use_gpu"].default is False
    assert spec.outputs["model_output"].type == "mlflow_model"
    assert spec.raw["$schema"].endswith("commandComponent.schema.json")


def test_a_realistic_azure_component_has_no_warnings() -> None:
    assert parse_component_yaml(AZURE_STYLE_SPEC).warnings == []


def test_every_problem_is_reported_at_once() -> None:
    found = problems(base(name="Bad Name", version=None, command=None, type="pipeline"))
    assert {p.field for p in found} >= {"name", "version", "command", "type"}


def test_the_source_is_named_in_the_error_message() -> None:
    with pytest.raises(SpecError, match=r"^comp/spec.yaml: name: is required"):
        parse_component_dict(base(name=None), source="comp/spec.yaml")


# YAML and the top level


def test_malformed_yaml_is_reported_with_its_line_and_column() -> None:
    with pytest.raises(SpecError) as caught:
        parse_component_yaml("name: a\nversion: 1\ncommand: [unclosed\n")
    (problem,) = caught.value.problems
    assert problem.field == "yaml"
    assert "not valid YAML" in problem.message
    assert problem.line == 4 and problem.column == 1


def test_a_bad_indentation_points_at_the_offending_line() -> None:
    with pytest.raises(SpecError) as caught:
        parse_component_yaml("name: a\n  version: 1\n")
    assert caught.value.problems[0].line == 2


def test_a_duplicate_key_is_rejected_rather_than_silently_overwritten() -> None:
    with pytest.raises(SpecError) as caught:
        parse_component_yaml("name: a\nversion: 1\nname: b\ncommand: echo\n")
    (problem,) = caught.value.problems
    assert (problem.field, problem.line) == ("yaml", 3)
    assert "duplicate key 'name'" in problem.message


def test_yaml_tags_that_build_python_objects_are_refused() -> None:
    with pytest.raises(SpecError) as caught:
        parse_component_yaml("name: !!python/object/apply:os.system [echo]\n")
    assert caught.value.problems[0].field == "yaml"


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", ""])
def test_a_top_level_that_is_not_a_mapping_is_rejected(text: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_component_yaml(text)
    (problem,) = caught.value.problems
    assert problem.field == "spec" and "must be a mapping" in problem.message


def test_unknown_top_level_keys_are_warnings_not_errors() -> None:
    parsed = parse_component_dict(base(flavour="vanilla"))
    assert ("flavour", "unknown field, ignored") in warnings_of(parsed)


def test_resources_and_distribution_are_recorded_with_a_warning() -> None:
    parsed = parse_component_dict(
        base(resources={"instance_count": 2}, distribution={"type": "mpi"})
    )
    assert parsed.spec.resources == {"instance_count": 2}
    assert parsed.spec.distribution == {"type": "mpi"}
    fields = {field for field, message in warnings_of(parsed) if "not applied" in message}
    assert fields == {"resources", "distribution"}


# name, version, type and other top-level fields


def test_a_missing_name_is_rejected() -> None:
    assert_problem(base(name=None), "name", "is required")


@pytest.mark.parametrize("name", ["Train", "1train", "train model", "_x", "train/x", "tr@in"])
def test_a_name_outside_azure_naming_rules_is_rejected(name: str) -> None:
    assert_problem(base(name=name), "name", "must start with a lowercase letter")


@pytest.mark.parametrize("name", ["a", "train_model", "my.comp-2", "x" * 255])
def test_names_following_azure_naming_rules_are_accepted(name: str) -> None:
    assert parse_component_dict(base(name=name)).spec.name == name


def test_a_name_longer_than_255_characters_is_rejected() -> None:
    assert_problem(base(name="x" * 256), "name", "at most 255 characters")


def test_a_non_string_name_is_rejected() -> None:
    assert_problem(base(name=12), "name", "must be a string")


def test_a_missing_or_empty_version_is_rejected() -> None:
    assert_problem(base(version=None), "version", "is required")
    assert_problem(base(version="  "), "version", "is required")


def test_an_integer_version_is_stored_as_a_string() -> None:
    assert parse_component_dict(base(version=3)).spec.version == "3"


def test_a_float_version_is_accepted_with_a_warning_to_quote_it() -> None:
    parsed = parse_component_yaml("name: a\nversion: 1.10\ncommand: echo hi\n")
    assert parsed.spec.version == "1.1"
    assert ("version", "was read as the number 1.1; quote it to keep it exact") in warnings_of(
        parsed
    )


def test_a_boolean_version_is_rejected() -> None:
    assert_problem(base(version=True), "version", "must be a string or a number")


def test_a_version_with_an_at_sign_is_rejected() -> None:
    assert_problem(base(version="1@2"), "version", "must not contain spaces or `@`")


def test_a_missing_type_defaults_to_command() -> None:
    assert parse_component_dict(base(type=None)).spec.command.startswith("echo")


def test_a_type_other_than_command_is_rejected() -> None:
    assert_problem(base(type="pipeline"), "type", "only `command` components")


def test_display_name_and_description_must_be_strings() -> None:
    assert_problem(base(display_name=["x"]), "display_name", "must be a string")
    assert_problem(base(description=3), "description", "must be a string")


def test_tag_values_are_stringified() -> None:
    spec = parse_component_dict(base(tags={"stage": 2, "gpu": True, "none": None})).spec
    assert spec.tags == {"stage": "2", "gpu": "True", "none": ""}


def test_a_list_of_tags_becomes_tags_with_empty_values() -> None:
    assert parse_component_dict(base(tags=["nlp", "preview"])).spec.tags == {
        "nlp": "",
        "preview": "",
    }


def test_tags_that_are_neither_mapping_nor_list_are_rejected() -> None:
    assert_problem(base(tags="nlp"), "tags", "must be a mapping")
    assert_problem(base(tags={"a": {"b": 1}}), "tags.a", "must be a plain value")


def test_code_is_a_relative_folder() -> None:
    assert parse_component_dict(base(code="../shared/src")).spec.code == "../shared/src"
    assert parse_component_dict(base(code=None)).spec.code is None


def test_an_absolute_or_remote_code_path_is_rejected() -> None:
    assert_problem(base(code="/opt/src"), "code", "must be relative")
    assert_problem(base(code="azureml:my-code:1"), "code", "is remote")
    assert_problem(base(code="https://example.com/src.zip"), "code", "is remote")
    assert_problem(base(code=""), "code", "must be a folder path")


def test_environment_of_any_shape_is_recorded() -> None:
    env = {"image": "python:3.11-slim", "conda_file": "conda.yaml"}
    assert parse_component_dict(base(environment=env)).spec.environment == env


def test_is_deterministic_defaults_to_true_and_must_be_a_boolean() -> None:
    assert parse_component_dict(base()).spec.is_deterministic is True
    assert parse_component_dict(base(is_deterministic=False)).spec.is_deterministic is False
    assert_problem(base(is_deterministic="no"), "is_deterministic", "must be true or false")


def test_a_missing_or_empty_command_is_rejected() -> None:
    assert_problem(base(command=None), "command", "is required")
    assert_problem(base(command="   "), "command", "must be a non-empty string")
    assert_problem(base(command=["echo"]), "command", "must be a non-empty string")


# inputs and outputs


@pytest.mark.parametrize(
    "kind",
    [
        "uri_folder",
        "uri_file",
        "mltable",
        "mlflow_model",
        "custom_model",
        "string",
        "integer",
        "number",
        "boolean",
    ],
)
def test_every_azure_input_type_is_accepted(kind: str) -> None:
    assert parse_component_dict(with_input({"type": kind})).spec.inputs["p"].type == kind


def test_an_unknown_input_type_lists_the_valid_ones() -> None:
    assert_problem(with_input({"type": "float"}), "inputs.p.type", "valid types: uri_folder")
    assert_problem(with_input({"type": "float"}), "inputs.p.type", "boolean")


def test_an_output_of_a_primitive_type_is_rejected() -> None:
    found = problems(base(outputs={"out": {"type": "string"}}))
    assert found[0].field == "outputs.out.type"
    assert (
        "valid types: uri_folder, uri_file, mltable, mlflow_model, custom_model" in found[0].message
    )


def test_a_port_must_be_a_mapping_with_a_type() -> None:
    assert_problem(with_input("string"), "inputs.p", "must be a mapping with a `type`")
    assert_problem(with_input({"optional": True}), "inputs.p", "must be a mapping with a `type`")


def test_ports_that_are_not_a_mapping_are_rejected() -> None:
    assert_problem(base(inputs=["message"]), "inputs", "must be a mapping")


@pytest.mark.parametrize("name", ["1st", "learning-rate", "a b", "é"])
def test_a_port_name_that_is_not_an_identifier_is_rejected(name: str) -> None:
    data = base(inputs={name: {"type": "string"}}, command="echo hi")
    assert_problem(data, f"inputs.{name}", "must be an identifier")


@pytest.mark.parametrize("name", ["path", "PATH", "Home", "ld_library_path", "user", "shell"])
def test_a_reserved_port_name_is_rejected_whatever_its_case(name: str) -> None:
    data = base(outputs={name: {"type": "uri_folder"}}, command="echo ${{inputs.message}}")
    assert_problem(data, f"outputs.{name}", "is reserved")


def test_an_input_and_an_output_with_the_same_name_are_rejected() -> None:
    data = base(outputs={"message": {"type": "uri_folder"}}, command="echo ${{inputs.message}}")
    assert_problem(data, "outputs.message", "both as an input and an output")


def test_optional_must_be_a_boolean() -> None:
    assert_problem(
        with_input({"type": "string", "optional": "yes"}), "inputs.p.optional", "true or false"
    )


@pytest.mark.parametrize(
    ("kind", "default", "expected"),
    [
        ("integer", 3, 3),
        ("number", 2, 2),
        ("number", 0.5, 0.5),
        ("boolean", True, True),
        ("string", "adam", "adam"),
    ],
)
def test_a_default_of_the_right_type_is_accepted(
    kind: str, default: object, expected: object
) -> None:
    port = parse_component_dict(with_input({"type": kind, "default": default})).spec.inputs["p"]
    assert port.default == expected and port.has_default and not port.required


@pytest.mark.parametrize(
    ("kind", "default", "fragment"),
    [
        ("integer", True, "is not an integer"),
        ("integer", 1.5, "is not an integer"),
        ("integer", "3", "is not an integer"),
        ("number", False, "is not a number"),
        ("number", "0.1", "is not a number"),
        ("boolean", "true", "is not true or false"),
        ("boolean", 1, "is not true or false"),
        ("string", 5, "is not a string"),
        ("string", 0.5, "is not a string"),
    ],
)
def test_a_default_of_the_wrong_type_is_rejected(kind: str, default: object, fragment: str) -> None:
    assert_problem(with_input({"type": kind, "default": default}), "inputs.p.default", fragment)


def test_a_default_outside_min_max_is_rejected() -> None:
    low = with_input({"type": "integer", "default": 0, "min": 1, "max": 10})
    high = with_input({"type": "number", "default": 10.5, "min": 1, "max": 10})
    assert_problem(low, "inputs.p.default", "is below min 1")
    assert_problem(high, "inputs.p.default", "is above max 10")


def test_a_default_on_the_bounds_is_accepted() -> None:
    port = parse_component_dict(with_input({"type": "integer", "default": 10, "min": 1, "max": 10}))
    assert port.spec.inputs["p"].max == 10


def test_a_default_not_in_the_enum_is_rejected() -> None:
    data = with_input({"type": "string", "default": "sgd", "enum": ["adam", "rmsprop"]})
    assert_problem(data, "inputs.p.default", "is not one of ['adam', 'rmsprop']")


def test_min_or_max_on_a_non_number_type_is_rejected() -> None:
    assert_problem(
        with_input({"type": "string", "min": 1}),
        "inputs.p.min",
        "only allowed on integer and number",
    )
    assert_problem(
        with_input({"type": "boolean", "max": 1}),
        "inputs.p.max",
        "only allowed on integer and number",
    )
    assert_problem(
        with_input({"type": "uri_file", "max": 1}), "inputs.p.max", "not allowed on type 'uri_file'"
    )


def test_min_and_max_must_be_numbers_of_the_input_type() -> None:
    assert_problem(
        with_input({"type": "integer", "min": 0.5}), "inputs.p.min", "must be an integer"
    )
    assert_problem(with_input({"type": "number", "max": "9"}), "inputs.p.max", "must be a number")
    assert_problem(with_input({"type": "number", "max": True}), "inputs.p.max", "must be a number")


def test_min_greater_than_max_is_rejected() -> None:
    assert_problem(
        with_input({"type": "number", "min": 5, "max": 1}),
        "inputs.p.min",
        "min 5 is greater than max 1",
    )


def test_an_enum_on_a_non_string_type_is_rejected() -> None:
    assert_problem(
        with_input({"type": "integer", "enum": ["1"]}), "inputs.p.enum", "only allowed on string"
    )


@pytest.mark.parametrize("enum", [[], "adam", ["adam", 1], None])
def test_an_enum_must_be_a_non_empty_list_of_strings(enum: object) -> None:
    assert_problem(
        with_input({"type": "string", "enum": enum}), "inputs.p.enum", "non-empty list of strings"
    )


def test_a_default_on_a_data_input_is_rejected() -> None:
    data = with_input({"type": "uri_folder", "default": "./data"})
    assert_problem(data, "inputs.p.default", "a data input cannot have a default")


def test_an_explicit_null_default_means_no_default() -> None:
    port = parse_component_dict(with_input({"type": "string", "default": None})).spec.inputs["p"]
    assert port.required and not port.has_default


def test_unknown_port_fields_are_warnings() -> None:
    parsed = parse_component_dict(with_input({"type": "string", "colour": "red"}))
    assert ("inputs.p.colour", "unknown field for an input, ignored") in warnings_of(parsed)


def test_a_declared_port_unused_by_the_command_is_a_warning() -> None:
    parsed = parse_component_dict(base(command="echo ${{inputs.message}}"))
    assert ("outputs.out", "is declared but not used by the command") in warnings_of(parsed)


# the command template


def test_a_reference_to_an_undeclared_input_is_rejected() -> None:
    data = base(command="echo ${{inputs.message}} ${{inputs.nope}} > ${{outputs.out}}")
    assert_problem(data, "command", "refers to undeclared input 'nope'")


def test_a_reference_to_an_undeclared_output_is_rejected() -> None:
    data = base(command="echo ${{inputs.message}} > ${{outputs.missing}}")
    assert_problem(data, "command", "refers to undeclared output 'missing'")


@pytest.mark.parametrize(
    "expression", ["parent.inputs.x", "foo", "inputs", "inputs.a.b", "jobs.x.outputs.y"]
)
def test_an_unknown_reference_is_rejected_by_name(expression: str) -> None:
    data = base(command=f"echo ${{{{{expression}}}}} ${{{{inputs.message}}}}")
    assert_problem(data, "command", f"unknown reference `${{{{{expression}}}}}`")


def test_spaces_inside_the_braces_are_allowed() -> None:
    parsed = parse_component_dict(base(command="echo ${{ inputs.message }} > ${{  outputs.out}}"))
    assert parsed.warnings == []


def test_an_optional_input_inside_an_optional_block_is_accepted() -> None:
    data = with_input({"type": "integer", "optional": True}, "train $[[--epochs ${{inputs.p}}]]")
    assert parse_component_dict(data).spec.inputs["p"].optional


def test_a_required_input_inside_an_optional_block_is_rejected() -> None:
    data = with_input({"type": "integer"}, "train $[[--epochs ${{inputs.p}}]]")
    assert_problem(data, "command", "required input 'p' must not be inside an optional block")


def test_an_optional_input_outside_a_block_without_a_default_is_rejected() -> None:
    data = with_input({"type": "integer", "optional": True}, "train --epochs ${{inputs.p}}")
    assert_problem(data, "command", "optional input 'p' without a default must be inside")


def test_an_optional_input_with_a_default_may_be_used_outside_a_block() -> None:
    port = {"type": "integer", "optional": True, "default": 3}
    assert parse_component_dict(with_input(port, "train --epochs ${{inputs.p}}")).spec


def test_a_bare_optional_block_is_accepted_with_a_warning() -> None:
    parsed = parse_component_dict(
        with_input({"type": "string", "optional": True}, "run $[[inputs.p]]")
    )
    assert (
        "command",
        "`$[[inputs.p]]` is read as `$[[${{inputs.p}}]]`; write it so",
    ) in warnings_of(parsed)


def test_a_bare_block_with_a_required_input_is_still_rejected() -> None:
    assert_problem(
        with_input({"type": "string"}, "run $[[inputs.p]]"), "command", "required input 'p'"
    )


def test_an_optional_block_without_an_input_is_a_warning() -> None:
    parsed = parse_component_dict(
        base(command="echo ${{inputs.message}} $[[--verbose]] > ${{outputs.out}}")
    )
    assert any("uses no input" in m for f, m in warnings_of(parsed) if f == "command")


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        ("echo ${{inputs.message", "is never closed by `}}`"),
        ("echo $[[--a ${{inputs.message}}", "is never closed by `]]`"),
        ("echo $[[ $[[ ${{inputs.message}} ]] ]]", "is nested in another block"),
        ('echo $[[ "--a ${{inputs.message}} ]]"', "leaves a quote open"),
        ("echo 'unclosed ${{inputs.message}}", "unclosed quote"),
    ],
)
def test_a_malformed_command_template_is_rejected(command: str, fragment: str) -> None:
    assert_problem(base(command=command, outputs=None), "command", fragment)


@pytest.mark.parametrize(
    ("command", "context"),
    [
        ("echo hi # ${{inputs.message}}", "a shell comment"),
        ("echo `${{inputs.message}}`", "backticks"),
        ('echo "${X:-${{inputs.message}}}"', "a ${...} expansion"),
        ("echo $${{inputs.message}}", "right after a `$`"),
        ("echo \\${{inputs.message}}", "right after a backslash"),
        ("cat <<EOF\n${{inputs.message}}\nEOF", "a heredoc"),
    ],
)
def test_a_placeholder_where_a_value_cannot_be_quoted_safely_is_rejected(
    command: str, context: str
) -> None:
    assert_problem(base(command=command, outputs=None), "command", f"sits in {context}")


def test_placeholders_inside_quotes_and_substitutions_are_accepted() -> None:
    command = textwrap.dedent(
        """\
        echo "hello ${{inputs.message}}" 'raw ${{inputs.message}}' "$(cat ${{inputs.message}})"
        if [[ -n ${{inputs.message}} ]]; then touch ${{outputs.out}}/done; fi"""
    )
    assert parse_component_dict(base(command=command)).warnings == []


def test_the_yaml_folded_command_keeps_its_placeholders() -> None:
    data = yaml.safe_load(AZURE_STYLE_SPEC)
    assert "$[[--max_epochs ${{inputs.max_epochs}}]]" in parse_component_dict(data).spec.command


def test_the_spec_parser_imports_no_django() -> None:
    code = (
        "import sys, designer.registry.spec, designer.registry.versions;"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
