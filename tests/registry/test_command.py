"""Pure tests of command template parsing and safe rendering."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from designer.registry.command import (
    CommandRenderError,
    CommandSyntaxError,
    OptionalBlock,
    Placeholder,
    optional_blocks,
    parse_command,
    referenced_ports,
    render_command,
)

TRAIN = (
    "python train.py --data ${{inputs.data}} $[[--epochs ${{ inputs.epochs }}]]"
    " --out ${{outputs.model}}"
)
HOSTILE = [
    "x; touch {marker}",
    "$(touch {marker})",
    "`touch {marker}`",
    "'; touch {marker}; '",
    '"; touch {marker}; "',
    "a\ntouch {marker}",
    "\\'; touch {marker} #",
    "${{IFS}}touch${{IFS}}{marker}",
]


def bash(command: str) -> str:
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=True)
    return result.stdout


def test_a_command_splits_into_text_placeholders_and_blocks() -> None:
    assert parse_command(TRAIN) == [
        "python train.py --data ",
        Placeholder("inputs.data"),
        " ",
        OptionalBlock(("--epochs ", Placeholder("inputs.epochs"))),
        " --out ",
        Placeholder("outputs.model"),
    ]


def test_referenced_ports_lists_inputs_and_outputs_inside_and_outside_blocks() -> None:
    assert referenced_ports(TRAIN) == {
        ("inputs", "data"),
        ("inputs", "epochs"),
        ("outputs", "model"),
    }


def test_referenced_ports_ignores_unknown_references() -> None:
    assert referenced_ports("echo ${{parent.inputs.x}} ${{inputs.y}}") == {("inputs", "y")}


def test_optional_blocks_are_returned_in_order() -> None:
    blocks = optional_blocks("run $[[-a ${{inputs.a}}]] x $[[inputs.b]]")
    assert [b.placeholders[0].name for b in blocks] == ["a", "b"]
    assert [b.bare for b in blocks] == [False, True]


def test_a_bare_block_is_read_as_a_block_around_a_placeholder() -> None:
    (block,) = optional_blocks("run $[[ inputs.flag ]]")
    assert block.parts == (Placeholder("inputs.flag"),)


def test_a_double_bracket_outside_a_block_is_plain_shell() -> None:
    assert parse_command("[[ -f a ]] && echo ok") == ["[[ -f a ]] && echo ok"]


def test_an_unclosed_placeholder_is_a_syntax_error() -> None:
    with pytest.raises(CommandSyntaxError, match="never closed by `}}`"):
        parse_command("echo ${{inputs.x")


def test_a_nested_block_is_a_syntax_error() -> None:
    with pytest.raises(CommandSyntaxError, match="nested"):
        parse_command("$[[ a $[[ b ]] ]]")


def test_placeholder_contexts_follow_shell_quoting() -> None:
    segments = parse_command(
        """a ${{inputs.a}} "b ${{inputs.b}}" 'c ${{inputs.c}}' """
        """"$(d ${{inputs.d}})" # ${{inputs.e}}"""
    )
    contexts = [s.context for s in segments if isinstance(s, Placeholder)]
    assert contexts == ["plain", "double", "single", "plain", "a shell comment"]


def test_rendering_quotes_every_value() -> None:
    rendered = render_command(
        TRAIN, inputs={"data": "/data/my set", "epochs": "5"}, outputs={"model": "/out/m"}
    )
    assert rendered == "python train.py --data '/data/my set' --epochs 5 --out /out/m"


def test_a_block_with_an_unset_input_is_dropped_entirely() -> None:
    rendered = render_command(TRAIN, inputs={"data": "d", "epochs": None}, outputs={"model": "m"})
    assert rendered == "python train.py --data d  --out m"


def test_a_block_with_a_missing_input_is_dropped_like_an_unset_one() -> None:
    rendered = render_command(TRAIN, inputs={"data": "d"}, outputs={"model": "m"})
    assert "--epochs" not in rendered


def test_a_bare_block_renders_just_the_quoted_value() -> None:
    assert render_command("run $[[inputs.f]]", inputs={"f": "a b"}, outputs={}) == "run 'a b'"


def test_booleans_render_as_the_strings_azure_uses() -> None:
    rendered = render_command("t --gpu ${{inputs.g}}", inputs={"g": "False"}, outputs={})
    assert rendered == "t --gpu False"


def test_an_unset_input_outside_a_block_cannot_be_rendered() -> None:
    with pytest.raises(CommandRenderError, match="input 'data' has no value"):
        render_command(TRAIN, inputs={"data": None}, outputs={"model": "m"})


def test_a_missing_output_cannot_be_rendered() -> None:
    with pytest.raises(CommandRenderError, match="no path given for output 'model'"):
        render_command(TRAIN, inputs={"data": "d"}, outputs={})


def test_an_unknown_reference_cannot_be_rendered() -> None:
    with pytest.raises(CommandRenderError, match=r"unknown reference `\$\{\{parent.x\}\}`"):
        render_command("echo ${{parent.x}}", inputs={}, outputs={})


def test_a_placeholder_in_an_unsafe_context_is_refused_at_render_time() -> None:
    with pytest.raises(CommandRenderError, match="sits in backticks"):
        render_command("echo `${{inputs.a}}`", inputs={"a": "x"}, outputs={})


def test_a_value_with_a_nul_character_is_refused() -> None:
    with pytest.raises(CommandRenderError, match="NUL"):
        render_command("echo ${{inputs.a}}", inputs={"a": "a\x00b"}, outputs={})


@pytest.mark.parametrize("template", HOSTILE)
@pytest.mark.parametrize(
    "command",
    [
        "echo ${{inputs.v}}",
        'echo "${{inputs.v}}"',
        'echo "pre-${{inputs.v}}-post"',
        "echo 'pre-${{inputs.v}}-post'",
        'echo "$(echo ${{inputs.v}})"',
        'echo "$(echo "${{inputs.v}}")"',
        "echo $[[${{inputs.v}}]]",
        "echo $[[inputs.v]]",
        "echo $(echo ${{inputs.v}})",
    ],
)
def test_no_parameter_value_can_run_a_command(template: str, command: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned_$$"
    value = template.format(marker=marker)
    stdout = bash(render_command(command, inputs={"v": value}, outputs={}))
    assert list(tmp_path.iterdir()) == []
    prefix, suffix = ("pre-", "-post") if "pre-" in command else ("", "")
    expected = f"{prefix}{value}{suffix}"
    if command == "echo $(echo ${{inputs.v}})":
        expected = " ".join(expected.split())  # the template's own unquoted $(...) splits words
    assert stdout == expected + "\n"


def test_a_value_is_echoed_literally_by_the_shell(tmp_path: Path) -> None:
    value = f"x; touch {tmp_path}/pwned_$$"
    rendered = render_command("echo ${{inputs.msg}}", inputs={"msg": value}, outputs={})
    assert bash(rendered) == value + "\n"
    assert not any(tmp_path.iterdir())
