"""Issue 10 §5: no value reaches a bash arithmetic context unless it is a plain number (pure)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from designer.engine.runner import run_step
from designer.registry.command import (
    CommandRenderError,
    CommandSyntaxError,
    iter_placeholders,
    parse_command,
    render_command,
)
from designer.registry.spec import parse_component_dict
from designer.registry.types import SpecError

HOSTILE = "a[$(touch {target})]"

# One template per arithmetic context bash has, each with the value in it.
CONTEXTS = {
    "arithmetic expansion": ("echo $(( ${{inputs.x}} + 1 ))", "paren"),
    "arithmetic expansion, double-quoted": ('echo "$(( ${{inputs.x}} + 1 ))"', "paren"),
    "arithmetic command": ("(( n = ${{inputs.x}} )); echo $n", "paren"),
    "arithmetic for loop": ("for (( i=0; i<${{inputs.x}}; i++ )); do :; done", "paren"),
    "let": ("let n=${{inputs.x}}+1; echo $n", "let"),
    "let, quoted": ("let 'n = ${{inputs.x}}'; echo $n", "let"),
    "[[ -eq ]]": ('[[ "${{inputs.x}}" -eq 3 ]] && echo three', "cond"),
    "[[ -ne ]]": ("[[ ${{inputs.x}} -ne 3 ]] && echo other", "cond"),
    "[[ -lt ]]": ("[[ 3 -lt ${{inputs.x}} ]] && echo more", "cond"),
    "[[ -le ]]": ("[[ 3 -le ${{inputs.x}} ]] && echo more", "cond"),
    "[[ -gt ]]": ("[[ ${{inputs.x}} -gt 3 ]] && echo more", "cond"),
    "[[ -ge ]]": ("[[ ${{inputs.x}} -ge 3 ]] && echo more", "cond"),
    "declare -i": ("declare -i n=${{inputs.x}}; echo $n", "declare"),
    "typeset -i": ("typeset -i n=${{inputs.x}}; echo $n", "declare"),
    "local -i": ("f() { local -i n=${{inputs.x}}; echo $n; }; f", "declare"),
    "assignment to a declare -i name": ("declare -i n; n=${{inputs.x}}; echo $n", "declare"),
    "array subscript": ("a[${{inputs.x}}]=1; echo ${#a[@]}", "subscript"),
    "quoted array subscript": ('a=(1 2); unset "a[${{inputs.x}}]"; echo ok', "subscript"),
}


def spec(command: str, kind: str) -> dict[str, object]:
    return {
        "name": "arith",
        "version": "1",
        "command": command,
        "inputs": {"x": {"type": kind}},
    }


@pytest.mark.parametrize("label", CONTEXTS)
def test_a_placeholder_in_each_arithmetic_context_is_marked(label: str) -> None:
    command, context = CONTEXTS[label]
    [(placeholder, _)] = iter_placeholders(command)
    assert placeholder.arithmetic == context


@pytest.mark.parametrize("label", CONTEXTS)
def test_a_string_input_in_each_arithmetic_context_is_refused_by_the_spec_check(
    label: str,
) -> None:
    command, _ = CONTEXTS[label]
    with pytest.raises(SpecError) as caught:
        parse_component_dict(spec(command, "string"))
    [problem] = caught.value.problems
    assert problem.field == "command"
    assert (
        "${{inputs.x}}" in problem.message and "only integer, number or boolean" in problem.message
    )


@pytest.mark.parametrize("label", CONTEXTS)
def test_an_integer_input_in_each_arithmetic_context_is_accepted(label: str) -> None:
    command, _ = CONTEXTS[label]
    assert parse_component_dict(spec(command, "integer")).spec.command == command


def test_an_output_path_in_an_arithmetic_context_is_refused() -> None:
    data = {"name": "arith", "version": "1", "command": "echo $(( ${{outputs.o}} ))"}
    data["outputs"] = {"o": {"type": "uri_folder"}}
    with pytest.raises(SpecError, match="arithmetic expression"):
        parse_component_dict(data)


@pytest.mark.parametrize(
    "command",
    [
        "python run.py --x ${{inputs.x}}",
        "echo ${{inputs.x}} | grep let",
        "[[ -f ${{inputs.x}} ]] && echo yes",
        "export N=${{inputs.x}}",
        'echo "${{inputs.x}}" > out.txt',
    ],
)
def test_ordinary_uses_of_a_value_are_not_arithmetic(command: str) -> None:
    assert [p.arithmetic for p, _ in iter_placeholders(command)] == [None]


@pytest.mark.parametrize("label", CONTEXTS)
def test_the_hostile_value_is_refused_at_render_in_every_arithmetic_context(
    label: str, tmp_path: Path
) -> None:
    command, _ = CONTEXTS[label]
    value = HOSTILE.format(target=tmp_path / "pwned")
    with pytest.raises(CommandRenderError, match="only a number may go"):
        render_command(command, inputs={"x": value}, outputs={})


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("label", CONTEXTS)
def test_a_number_in_each_arithmetic_context_runs_through_the_real_runner(
    label: str, tmp_path: Path
) -> None:
    command, _ = CONTEXTS[label]
    # `; :` so that a false test (4 -eq 3) still exits 0: only a bash error fails the step.
    rendered = render_command(command, inputs={"x": "4"}, outputs={}) + "; :"
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    log = tmp_path / "step.log"
    result = run_step(rendered, work_dir=work, home=home, tmp_dir=tmp_path / "tmp", log_path=log)
    assert result.succeeded, log.read_text()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_reproduction_quoted_in_a_test_would_run_a_command_in_bash(tmp_path: Path) -> None:
    """Why the rule exists: the old renderer's quoting did not stop bash arithmetic."""
    target = tmp_path / "pwned"
    quoted = "'" + HOSTILE.format(target=target) + "'"
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    log = tmp_path / "step.log"
    run_step(
        f"[[ {quoted} -eq 1 ]]; true",
        work_dir=work,
        home=home,
        tmp_dir=tmp_path / "t",
        log_path=log,
    )
    assert target.exists()


def test_a_nul_character_in_a_command_is_a_syntax_error() -> None:
    with pytest.raises(CommandSyntaxError, match="NUL"):
        parse_command("echo a\x00b")


def test_a_nul_character_in_a_spec_command_is_refused_naming_the_field() -> None:
    with pytest.raises(SpecError) as caught:
        parse_component_dict(spec("echo ${{inputs.x}}\x00", "string"))
    assert [p.field for p in caught.value.problems] == ["command"]
