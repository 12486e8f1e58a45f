"""Warm-start settings: on by default, off per pool, and a malformed value stops start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_settings import start


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CONVEYOR_ZYGOTE_PRELOAD", "pandas"),
        ("CONVEYOR_ZYGOTE_PRELOAD", '{"default": "pandas"}'),
        ("CONVEYOR_ZYGOTE_COUNT", "0"),
        ("CONVEYOR_WARM_STARTS", "maybe"),
        ("CONVEYOR_POOL_CPU_WARM_STARTS", "perhaps"),
    ],
)
def test_a_malformed_warm_start_setting_stops_start_up_naming_it(tmp_path: Path, variable, value):
    result = start(tmp_path, **{variable: value})
    assert result.returncode != 0
    assert variable in result.stderr.strip().splitlines()[-1]


def test_warm_starts_are_on_by_default_and_one_pool_may_turn_them_off(tmp_path: Path):
    code = "from django.conf import settings as s; print(s.WARM_STARTS, s.WARM_START_POOLS)"
    env = {"CONVEYOR_COMPUTE_POOLS": "cpu,gpu"}
    default = run_settings(tmp_path, code, env)
    assert default == "True {'cpu': True, 'gpu': True}"
    assert run_settings(tmp_path, code, {**env, "CONVEYOR_POOL_GPU_WARM_STARTS": "0"}) == (
        "True {'cpu': True, 'gpu': False}"
    )


def test_warm_starts_turned_off_for_the_server_may_stay_on_for_one_pool(tmp_path: Path):
    code = "from django.conf import settings as s; print(s.WARM_STARTS, s.WARM_START_POOLS)"
    env = {"CONVEYOR_COMPUTE_POOLS": "cpu,gpu", "CONVEYOR_WARM_STARTS": "0"}
    assert run_settings(tmp_path, code, {**env, "CONVEYOR_POOL_GPU_WARM_STARTS": "1"}) == (
        "False {'cpu': False, 'gpu': True}"
    )


def run_settings(tmp_path: Path, code: str, env: dict[str, str]) -> str:
    full = {**start_env(tmp_path), **env}
    argv = [sys.executable, "-c", f"import django; django.setup(); {code}"]
    result = subprocess.run(argv, env=full, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def start_env(tmp_path: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CONVEYOR_", "DATABASE_URL"))}
    return {**base, "DJANGO_SETTINGS_MODULE": "designer.settings", "CONVEYOR_HOME": str(tmp_path)}
