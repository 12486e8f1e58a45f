"""Shared helpers for the built-in components' tests: run a component's command for real.

`run_component(component_dir, inputs, tmp_path)` does what a worker does for one step,
with the engine's own pieces: parse the spec (designer.registry.spec), fill defaults and
check values (designer.engine.values), lay out empty output folders (a uri_file output
gets the path `<outputs>/<port>/data`), copy the code folder into a fresh working
directory, render the command (designer.registry.command, every value shell-quoted) and
run it with designer.engine.runner.run_step (clean environment, the worker's Python).
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from designer.engine.runner import run_step
from designer.engine.values import coerce_port_value, render_params
from designer.registry.command import render_command
from designer.registry.spec import parse_component_yaml
from designer.registry.types import ComponentSpec

COMPONENTS_DIR = Path(__file__).resolve().parent
STEP_TIMEOUT = 120.0
_counter = itertools.count(1)


def load_spec(component_dir: Path, spec_file: str = "component.yml") -> ComponentSpec:
    path = Path(component_dir) / spec_file
    return parse_component_yaml(path.read_text(encoding="utf-8"), source=str(path)).spec


def _resolve_inputs(spec: ComponentSpec, inputs: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(inputs) - set(spec.inputs)
    assert not unknown, f"{spec.ref} has no input(s) {sorted(unknown)}"
    values: dict[str, Any] = {}
    for name, port in spec.inputs.items():
        value = inputs.get(name)
        if isinstance(value, Path):
            value = str(value)
        if value is None and port.has_default:
            value = port.default
        if value is None:
            assert not port.required, f"{spec.ref}: required input {name!r} not given"
            continue
        values[name] = coerce_port_value(port, value)
    return values


def _execute(
    component_dir: Path, inputs: Mapping[str, Any], tmp_path: Path, spec_file: str
) -> tuple[Any, dict[str, Path], str]:
    component_dir = Path(component_dir)
    spec = load_spec(component_dir, spec_file)
    base = Path(tmp_path) / f"{spec.name}-{next(_counter)}"
    outputs: dict[str, Path] = {}
    for name, port in spec.outputs.items():
        folder = base / "outputs" / name
        folder.mkdir(parents=True)
        outputs[name] = folder / "data" if port.type == "uri_file" else folder
    work = base / "work"
    if spec.code:
        shutil.copytree(
            component_dir / spec.code, work, ignore=shutil.ignore_patterns("__pycache__")
        )
    else:
        work.mkdir(parents=True)
    command = render_command(
        spec.command,
        inputs=render_params(_resolve_inputs(spec, inputs)),
        outputs={name: str(path) for name, path in outputs.items()},
    )
    log_path = base / "step.log"
    (base / "home").mkdir()
    result = run_step(
        command,
        work_dir=work,
        home=base / "home",
        tmp_dir=base / "tmp",
        log_path=log_path,
        variables={"CONVEYOR_RUN_ID": "test", "CONVEYOR_NODE_ID": spec.name},
        timeout=STEP_TIMEOUT,
    )
    log = log_path.read_text(encoding="utf-8", errors="replace")
    return result, outputs, f"$ {command}\n{log}"


def run_component(
    component_dir: Path,
    inputs: Mapping[str, Any],
    tmp_path: Path,
    *,
    spec_file: str = "component.yml",
) -> dict[str, Path]:
    """Run a component's command like a worker would; assert it succeeded.

    component_dir: the folder holding the spec. inputs: input name -> value (a Path or
    str for data inputs); unset inputs take their spec default. Returns output name ->
    path (a uri_file output is the file `<port>/data`).
    """
    result, outputs, log = _execute(component_dir, inputs, tmp_path, spec_file)
    if not result.succeeded:
        pytest.fail(f"step exited with {result.exit_code}:\n{log}", pytrace=False)
    return outputs


def run_component_failing(
    component_dir: Path,
    inputs: Mapping[str, Any],
    tmp_path: Path,
    *,
    spec_file: str = "component.yml",
) -> str:
    """Run a component's command that is expected to fail; return its log."""
    result, _, log = _execute(component_dir, inputs, tmp_path, spec_file)
    assert not result.succeeded, f"expected the step to fail, but it succeeded:\n{log}"
    assert not result.timed_out, log
    return log


def write_table(folder: Path, frame: pd.DataFrame | str) -> Path:
    """Write a table folder (data.csv) from a DataFrame or CSV text; return the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(frame, str):
        (folder / "data.csv").write_text(frame.strip() + "\n", encoding="utf-8")
    else:
        frame.to_csv(folder / "data.csv", index=False)
    return folder


def read_table(folder: Path) -> pd.DataFrame:
    return pd.read_csv(Path(folder) / "data.csv")


def load_source(path: Path, module_name: str) -> Any:
    """Import a component's source file as a module, for in-process unit tests of its logic."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def read_json(path: Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


@pytest.fixture(name="run_component")
def run_component_fixture() -> Callable[..., dict[str, Path]]:
    return run_component


@pytest.fixture(name="run_component_failing")
def run_component_failing_fixture() -> Callable[..., str]:
    return run_component_failing


@pytest.fixture
def table(tmp_path: Path) -> Callable[[pd.DataFrame | str, str], Path]:
    """Factory: table(frame_or_csv_text, name="input") -> a table folder under tmp_path."""

    def make(frame: pd.DataFrame | str, name: str = "input") -> Path:
        return write_table(tmp_path / "tables" / name, frame)

    return make


@pytest.fixture(scope="session")
def iris_frame() -> pd.DataFrame:
    """A small, shuffled, balanced iris sample (60 rows) with label names as the target."""
    from sklearn.datasets import load_iris

    data = load_iris(as_frame=True)
    frame = data.frame.rename(
        columns=lambda c: c.replace(" (cm)", "").replace(" ", "_") if c != "target" else c
    )
    frame["target"] = [str(data.target_names[t]) for t in data.target]
    sample = frame.groupby("target", group_keys=False).head(20)
    return sample.sample(frac=1.0, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="session")
def regression_frame() -> pd.DataFrame:
    """80 rows of y = 3*x1 - 2*x2 + small noise."""
    import numpy as np

    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=80), rng.normal(size=80)
    y = 3 * x1 - 2 * x2 + rng.normal(scale=0.1, size=80)
    return pd.DataFrame({"x1": x1.round(4), "x2": x2.round(4), "y": y.round(4)})
