"""Which rendered commands start warm, and what a zygote preloads (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from designer.engine.sandbox import Limits
from designer.engine.zygote import preload_modules, python_command, rlimits


@pytest.mark.parametrize(
    ("command", "parsed"),
    [
        ("python train.py --data /d/x", ("file", "train.py", ["--data", "/d/x"])),
        ("python3 src/run.py 'two words'", ("file", "src/run.py", ["two words"])),
        ("python3.11 -m pkg.main --k 1", ("module", "pkg.main", ["--k", "1"])),
        ("python -m tool", ("module", "tool", [])),
        ("python a.py --x 1  --y 2", ("file", "a.py", ["--x", "1", "--y", "2"])),  # `$[[]]`
    ],
)
def test_a_plain_python_script_or_module_command_starts_warm(command, parsed):
    assert python_command(command) == parsed


@pytest.mark.parametrize(
    "command",
    [
        "python a.py | tee x",
        "python a.py && echo done",
        "python a.py > out.txt",
        "python a.py; rm -rf x",
        "A=1 python a.py",
        "python a.py $HOME",
        'python a.py "$CONVEYOR_WORK_DIR/x"',
        "python a.py *.csv",
        "python a.py ~/x",
        "python a.py `id`",
        "python a.py 'two  spaces'",  # Not how a value is quoted when rendered.
        "python a.py \\$HOME",
        "python -c 'print(1)'",
        "python -u a.py",
        "python -m 'bad name'",
        "python",
        "bash run.sh",
        "/usr/bin/python a.py",
        "python a.py 'unclosed",
        "python a.py\nid",
    ],
)
def test_anything_a_shell_would_treat_specially_starts_cold(command):
    assert python_command(command) is None


def test_the_preload_list_follows_the_packages_installed_in_the_environment(tmp_path):
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    for package in ("numpy", "pandas", "requests"):
        (site / package).mkdir(parents=True)
    modules = preload_modules([site], None)
    assert modules == ["numpy", "pandas"]


def test_a_per_environment_override_replaces_the_derived_preload_list(tmp_path):
    site = tmp_path / "site-packages"
    (site / "pandas").mkdir(parents=True)
    assert preload_modules([site], ["polars"]) == ["polars"]
    assert preload_modules([Path("/nonexistent")], []) == []


def test_the_warm_limits_are_the_cold_ulimit_values():
    limits = rlimits(Limits(memory_mb=512, processes=64, file_size_mb=10, cpu_seconds=0))
    assert limits == {
        "RLIMIT_CORE": 0,
        "RLIMIT_AS": 512 * 1024 * 1024,
        "RLIMIT_NPROC": 64,
        "RLIMIT_FSIZE": 10 * 1024 * 1024,
        "RLIMIT_CPU": None,
    }


def test_the_template_steps_plotting_and_model_imports_are_preloaded(tmp_path):
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    for package in ("sklearn", "matplotlib"):
        (site / package).mkdir(parents=True)
    modules = preload_modules([site], None)
    # evaluate_model and compare_evaluations plot; sample_dataset loads sklearn.datasets.
    assert {"matplotlib.pyplot", "sklearn.datasets", "sklearn.svm"} <= set(modules)
