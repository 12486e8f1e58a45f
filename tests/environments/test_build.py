"""Building environments with the real uv: once per hash, under a lock, atomically."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.conf import settings

from designer.environments.build import MARKER, BuildConfig, environment_prepare
from designer.environments.folders import environments_list, environments_prune
from designer.environments.interpreters import interpreters_find
from designer.environments.spec import EnvironmentProblem, EnvironmentSpec

pytestmark = pytest.mark.live


def config(env_dir: Path) -> BuildConfig:
    return BuildConfig(env_dir=env_dir, uv=Path(settings.ENV_UV), interpreters=interpreters_find())


def test_concurrent_prepares_of_one_environment_build_it_once(tmp_path: Path) -> None:
    spec = EnvironmentSpec(python="3.11", requirements=("six",))
    lines: list[str] = []
    prepared = []

    def prepare() -> None:
        prepared.append(environment_prepare(spec, config(tmp_path), log=lines.append))

    threads = [threading.Thread(target=prepare) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(prepared) == 4 and len({p.root for p in prepared}) == 1
    assert sum(line.startswith("building environment") for line in lines) == 1
    root = prepared[0].root
    assert (root / MARKER).is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers


def test_a_built_environment_is_readable_by_others_and_names_its_base_interpreter(
    tmp_path: Path,
) -> None:
    prepared = environment_prepare(EnvironmentSpec(python="3.11"), config(tmp_path))
    assert prepared.root.stat().st_mode & 0o755 == 0o755
    assert (prepared.root / "pyvenv.cfg").stat().st_mode & 0o644 == 0o644
    assert prepared.python.is_file()
    assert any(prepared.python.resolve().is_relative_to(p) for p in prepared.ro_binds)


def test_a_failed_build_raises_uvs_message_and_leaves_nothing_behind(tmp_path: Path) -> None:
    spec = EnvironmentSpec(python="3.11", requirements=("pandas==0.0.0.1",))
    with pytest.raises(EnvironmentProblem, match=r"(?s)environment build failed.*pandas"):
        environment_prepare(spec, config(tmp_path))
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == []


def test_a_missing_python_uses_the_nearest_with_a_warning(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    interpreters = {k: v for k, v in cfg.interpreters.items() if k != "3.10"}
    cfg = BuildConfig(env_dir=tmp_path, uv=cfg.uv, interpreters=interpreters)
    prepared = environment_prepare(EnvironmentSpec(python="3.10"), cfg)
    assert prepared.hash.endswith("-py3.11") or prepared.hash.endswith("-py3.9")
    assert any("python 3.10 is not on this worker" in w for w in prepared.warnings)


def test_environments_are_listed_with_size_and_pruned_when_unused(tmp_path: Path) -> None:
    prepared = environment_prepare(EnvironmentSpec(python="3.11"), config(tmp_path))
    [listed] = environments_list(tmp_path)
    assert listed.key == prepared.hash and listed.size > 0
    assert environments_prune(tmp_path, older_than=3600) == []
    assert environments_prune(tmp_path, older_than=3600, now=listed.last_used + 7200) == [
        prepared.hash
    ]
    assert environments_list(tmp_path) == []


def test_manage_environments_lists_with_size_and_prunes_by_age(tmp_path: Path, settings) -> None:
    import io

    from django.core.management import call_command

    settings.ENV_DIR = tmp_path
    prepared = environment_prepare(EnvironmentSpec(python="3.11"), config(tmp_path))
    out = io.StringIO()
    call_command("environments", "list", stdout=out)
    assert prepared.hash in out.getvalue() and "KiB" in out.getvalue()
    out = io.StringIO()
    call_command("environments", "prune", "--older-than", "1d", stdout=out)
    assert out.getvalue() == "" and prepared.root.is_dir()
    call_command("environments", "prune", "--older-than", "0s", stdout=out)
    assert f"removed {prepared.hash}" in out.getvalue() and not prepared.root.exists()


PREPARE_IN_A_PROCESS = """
import sys
from pathlib import Path
from designer.environments.build import BuildConfig, environment_prepare
from designer.environments.interpreters import interpreters_find
from designer.environments.spec import EnvironmentSpec
found = interpreters_find()
config = BuildConfig(env_dir=Path(sys.argv[1]), uv=Path(sys.argv[2]), interpreters=found)
environment_prepare(EnvironmentSpec(python="3.11", requirements=("six",)), config, log=print)
"""


def test_worker_processes_preparing_one_environment_at_once_build_it_once(tmp_path: Path) -> None:
    import subprocess
    import sys

    argv = [sys.executable, "-c", PREPARE_IN_A_PROCESS, str(tmp_path), str(settings.ENV_UV)]
    processes = [subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [p.communicate(timeout=300)[0] for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    assert sum(out.count("building environment") for out in outputs) == 1, outputs
