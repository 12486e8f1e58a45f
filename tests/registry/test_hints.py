"""Pure tests of the editor hints a spec carries in its tags (code editor, columns, applies)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from designer.pipelines.validation import validate_document
from designer.registry.hints import InputHints, parse_hints, python_syntax_problem
from designer.registry.spec import parse_component_dict, parse_component_yaml
from designer.registry.types import ComponentSpec, SpecError

COMPONENTS = Path(__file__).resolve().parents[2] / "components"


def spec_with(tags: dict[str, str]) -> dict[str, Any]:
    return {
        "name": "hinted",
        "version": 1,
        "tags": {"category": "Test", **tags},
        "inputs": {
            "data": {"type": "uri_folder"},
            "script": {"type": "string", "default": "output = 1"},
            "column": {"type": "string", "optional": True},
            "mode": {"type": "string", "default": "a", "enum": ["a", "b", "c"]},
            "depth": {"type": "integer", "optional": True},
        },
        "outputs": {"out": {"type": "uri_folder"}},
        "command": "run ${{inputs.data}} ${{inputs.script}} $[[${{inputs.column}}]] "
        "${{inputs.mode}} $[[${{inputs.depth}}]] ${{outputs.out}}",
    }


def test_hints_in_tags_are_read_per_input() -> None:
    parsed = parse_component_dict(
        spec_with(
            {
                "conveyor.editor.script": "python",
                "conveyor.column.column": "data",
                "conveyor.applies.depth": "mode=b, c",
            }
        )
    )
    hints = parse_hints(parsed.spec.tags, parsed.spec.inputs)
    assert hints == {
        "script": InputHints(editor="python"),
        "column": InputHints(columns_from="data", columns_multiple=False),
        "depth": InputHints(applies_input="mode", applies_values=("b", "c")),
    }
    assert parsed.warnings == []


@pytest.mark.parametrize(
    ("tag", "value", "says"),
    [
        ("conveyor.editor.nothing", "python", "undeclared input 'nothing'"),
        ("conveyor.editor.depth", "python", "string inputs only"),
        ("conveyor.editor.script", "ruby", "must be one of python, expression"),
        ("conveyor.columns.column", "mode", "must name a table input"),
        ("conveyor.applies.depth", "mode", "<input>=<value>"),
        ("conveyor.applies.depth", "mode=z", "z is not a value of 'mode'"),
        ("conveyor.applies.depth", "depth=1", "cannot depend on itself"),
    ],
)
def test_a_malformed_hint_is_refused_naming_the_tag(tag: str, value: str, says: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_component_dict(spec_with({tag: value}))
    [problem] = caught.value.problems
    assert problem.field == f"tags.{tag}"
    assert says in problem.message


def test_an_unknown_conveyor_tag_is_a_warning_and_other_tags_are_left_alone() -> None:
    parsed = parse_component_dict(spec_with({"conveyor.colour.script": "red", "team": "x"}))
    assert [w.field for w in parsed.warnings] == ["tags.conveyor.colour.script"]


def test_every_built_in_hint_is_well_formed_and_the_trainers_declare_when_inputs_apply() -> None:
    hinted: dict[str, dict[str, InputHints]] = {}
    for path in sorted(COMPONENTS.glob("*/component*.yml")):
        spec = parse_component_yaml(path.read_text(encoding="utf-8"), source=str(path)).spec
        hinted[f"{spec.name}@{spec.version}"] = parse_hints(spec.tags, spec.inputs)
    assert hinted["execute_python_script@1"]["script"].editor == "python"
    assert hinted["filter_rows@1"]["expression"].editor == "expression"
    assert hinted["select_columns@1"]["columns"] == InputHints(
        columns_from="input_data", columns_multiple=True
    )
    trainer = hinted["train_classifier@2"]
    assert trainer["kernel"] == InputHints(applies_input="algorithm", applies_values=("svm",))
    assert trainer["target_column"].columns_from == "training_data"
    assert hinted["train_regressor@1"]["alpha"].applies_values == ("ridge",)


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("output = input1.copy(\n", "line 1"),
        ("x = 1\nif x\n    y = 2\n", "line 2"),
        ("import os\nos.system('touch /tmp/never')\n" + "def f(:\n", "line 3"),
        ("a = 1\x00", "cannot be parsed"),
        ("(" * 5000, "Python"),
    ],
)
def test_a_python_syntax_error_is_named_with_its_line(source: str, says: str) -> None:
    problem = python_syntax_problem(source)
    assert problem is not None and says in problem


def test_valid_python_parses_without_running() -> None:
    assert python_syntax_problem("raise SystemExit(3)\noutput = input1") is None


def test_a_python_parameter_with_a_syntax_error_fails_validation_naming_node_port_and_line() -> (
    None
):
    spec: ComponentSpec = parse_component_dict(
        spec_with({"conveyor.editor.script": "python", "conveyor.editor.column": "expression"})
    ).spec

    def resolve(ref: str) -> ComponentSpec | None:
        return spec if ref == "hinted@1" else None

    node = {
        "id": "py",
        "component": "hinted@1",
        "display_name": "Script",
        "position": {"x": 0, "y": 0},
        "inputs": {
            "script": {"value": "output = [\n"},
            "column": {"value": "not python ("},
            "data": {"pipeline_input": "table"},
        },
    }
    doc = {
        "schema_version": 1,
        "nodes": [node],
        "edges": [],
        "inputs": {"table": {"type": "uri_folder", "optional": True}},
        "outputs": {},
        "settings": {},
    }
    issues = [i for i in validate_document(doc, resolve=resolve) if i.code == "python_syntax"]
    assert [(i.node, i.port) for i in issues] == [("py", "script")]
    assert "line 1" in issues[0].message
