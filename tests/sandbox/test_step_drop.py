"""conveyor-step-drop: how a root server's steps give up root, and the setpriv fallback.

The helper is built by `make install` (CI runs it); these tests run it for real, through
bubblewrap and on its own, and check that the runtime uses and probes it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from designer.engine.artifacts import ArtifactStore
from designer.engine.runtime import sandbox_status, step_drop, step_identity, step_run
from designer.engine.sandbox import bwrap_argv

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="only a root server drops root")
# A step that reports what it could use: identity, groups, capabilities, descriptors.
REPORT = (
    "id -u; id -g; id -G; grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):' /proc/self/status;"
    # Bash's own descriptors, listed by a child (no pipe, not the last command, which bash
    # would execute in its own place).
    " echo descriptors:; ls /proc/$$/fd; true"
)


@pytest.fixture
def helper(settings: Any) -> str:
    built = settings.STEP_DROP_BUILT
    if not built.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"`make install` did not build {built}")
        pytest.skip(f"{built} is not built (make install)")
    settings.STEP_DROP = str(built)
    return str(built)


def run_report(tmp_path: Path) -> tuple[Any, str]:
    dirs = ArtifactStore(tmp_path / "store").make_step_dirs("1", "n", 1, {"out": "uri_folder"})
    result = step_run(REPORT, dirs=dirs, pool="cpu")
    return result, dirs.log_path.read_text()


@ROOT_ONLY
@pytest.mark.parametrize("how", ["conveyor-step-drop", "setpriv"])
def test_a_step_keeps_no_privilege_of_root_with_either_way_of_dropping_it(
    how, helper, settings, sandbox, tmp_path
):
    settings.STEP_DROP = helper if how == "conveyor-step-drop" else "setpriv"
    status = sandbox_status(refresh=True)
    assert status.available and f"root dropped by {how}" in status.mode
    result, log = run_report(tmp_path)
    assert result.exit_code == 0, log
    lines = [line for line in log.splitlines() if line and not line.startswith("[conveyor]")]
    assert lines[:3] == ["65534", "65534", "65534"], log  # uid, gid, no other group
    for name in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert f"{name}:\t0000000000000000" in lines, log
    assert "NoNewPrivs:\t1" in lines, log
    # Only stdin, stdout and stderr: the helper's descriptor, which bwrap passes on, is
    # not left to the step.
    assert lines[lines.index("descriptors:") + 1 :] == ["0", "1", "2"], log


@ROOT_ONLY
def test_the_runtime_starts_steps_through_the_helper_descriptor(
    helper, settings, sandbox, tmp_path
):
    from designer.engine import runtime

    drop = step_drop(step_identity())
    assert drop is not None and drop.path == helper
    assert os.readlink(f"/proc/self/fd/{drop.fd}") == helper
    dirs = ArtifactStore(tmp_path / "store").make_step_dirs("1", "n", 1, {})
    who, policy = step_identity(), runtime.pool_policy("cpu")
    mounts = runtime._mounts(dirs, who, policy, None, ())
    argv = bwrap_argv(settings.SANDBOX_BWRAP, mounts, who, drop=drop)
    assert argv[-4:] == [f"/proc/self/fd/{drop.fd}", "65534", "65534", "--"]
    assert "/usr/bin/setpriv" not in argv


@ROOT_ONLY
def test_a_configured_helper_that_is_missing_makes_the_sandbox_unavailable(settings, tmp_path):
    settings.STEP_DROP = str(tmp_path / "no-such-helper")
    status = sandbox_status(refresh=True)
    assert not status.available
    assert "CONVEYOR_STEP_DROP" in status.reason and "no-such-helper" in status.reason


@ROOT_ONLY
def test_the_probe_refuses_a_helper_that_does_not_drop_root(settings, sandbox, tmp_path):
    """A helper that runs the step as root is caught at start-up, not used."""
    fake = tmp_path / "fake-drop"
    fake.write_text('#!/bin/sh\nshift 3\nexec "$@"\n')
    fake.chmod(0o755)
    settings.STEP_DROP = str(fake)
    status = sandbox_status(refresh=True)
    assert not status.available
    assert "runs as uid 65534, gid 65534, no capabilities and no_new_privs" in status.reason


def drop_run(helper: str, *args: str, user: tuple[int, int] | None = None) -> Any:
    argv = [helper, *args]
    if user is not None:
        argv = ["setpriv", f"--reuid={user[0]}", f"--regid={user[1]}", "--clear-groups", *argv]
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=10)


@ROOT_ONLY
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("0", "65534", "--", "/bin/true"), "the uid must be a number above 0"),
        (("65534", "0", "--", "/bin/true"), "the gid must be a number above 0"),
        (("65534x", "65534", "--", "/bin/true"), "the uid must be a number above 0"),
        (("-1", "65534", "--", "/bin/true"), "the uid must be a number above 0"),
        (("4294967295", "65534", "--", "/bin/true"), "the uid must be a number above 0"),
        (("65534", "65534", "/bin/true"), "usage: conveyor-step-drop"),
        (("65534", "65534", "--"), "usage: conveyor-step-drop"),
    ],
)
def test_the_helper_refuses_bad_arguments_before_running_anything(helper, args, message, tmp_path):
    marker = tmp_path / "ran"
    done = drop_run(helper, *[a.replace("/bin/true", f"/usr/bin/touch {marker}") for a in args])
    assert done.returncode == 126 and message in done.stderr
    assert not marker.exists()


@ROOT_ONLY
def test_the_helper_fails_closed_when_it_cannot_drop(helper, tmp_path):
    """Run by a non-root user it cannot change identity: it stops, the program never runs."""
    marker = tmp_path / "ran"
    tmp_path.chmod(0o777)
    done = drop_run(
        helper, "65533", "65533", "--", "/usr/bin/touch", str(marker), user=(65534, 65534)
    )
    assert done.returncode == 126 and "conveyor-step-drop: prctl(PR_CAPBSET_DROP)" in done.stderr
    assert not marker.exists()


@ROOT_ONLY
def test_the_helper_says_which_program_it_could_not_run(helper):
    done = drop_run(helper, "65534", "65534", "--", "/no/such/program")
    assert done.returncode == 127 and "/no/such/program: No such file" in done.stderr
