"""Standby sandboxes (root servers): a cold step started in a sandbox made before it was
known sees exactly what a step started by its own bwrap sees, keeps no privilege, is
stopped like any step, and a standby that died or a helper that ignores its request never
costs a step its run."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import struct
import time
from pathlib import Path
from typing import Any

import pytest

from designer.engine import runtime
from designer.engine.artifacts import ArtifactStore
from designer.engine.runtime import step_identity, step_run
from designer.engine.standby import STANDBYS, NetworkLease
from designer.engine.standby import spawn as standby_spawn

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="standbys need a root server")

# What a step can see and be: the mount table (mount point, options, file system), its
# identity and capabilities, its descriptors, its environment, where it is.
SEEN = (
    "awk '{print $5, $6, $(NF-2)}' /proc/self/mountinfo; id -u; id -g; id -G;"
    " grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):' /proc/self/status;"
    " echo descriptors:; ls /proc/$$/fd; echo environment:; env | sort; pwd;"
    " touch /made-in-root 2>&1 || true; hostname; ls /; cat /etc/passwd; true"
)


class Steps:
    def __init__(self, root: Path) -> None:
        self.store = ArtifactStore(root / "store")
        self.count = 0

    def run(self, command: str, *, inputs: tuple[Path, ...] = (), **kwargs: Any) -> tuple[Any, str]:
        """Run one step; returns its result and its log, with its own folder as STEP."""
        self.count += 1
        dirs = self.store.make_step_dirs("1", f"n{self.count}", 1, {"out": "uri_folder"})
        result = step_run(command, dirs=dirs, pool="cpu", inputs=inputs, **kwargs)
        return result, dirs.log_path.read_text().replace(str(dirs.base), "STEP")

    def ready(self) -> None:
        """Wait until a standby sandbox is idle (the spawner thread makes it)."""
        deadline = time.monotonic() + 30
        while not STANDBYS.idle():
            assert time.monotonic() < deadline, "no standby sandbox was made"
            time.sleep(0.01)


@pytest.fixture
def steps(tmp_path: Path, sandbox: Any, settings: Any) -> Any:
    settings.STANDBY_SANDBOXES = 2
    STANDBYS.stop()
    yield Steps(tmp_path)
    STANDBYS.stop()


def in_standby(steps: Steps, command: str, **kwargs: Any) -> tuple[Any, str]:
    steps.ready()
    taken = STANDBYS.taken
    result, log = steps.run(command, **kwargs)
    assert STANDBYS.taken == taken + 1, "the step did not start in a standby sandbox"
    return result, log


def own_bwrap(steps: Steps, settings: Any, command: str, **kwargs: Any) -> tuple[Any, str]:
    settings.STANDBY_SANDBOXES = 0
    taken = STANDBYS.taken
    try:
        return steps.run(command, **kwargs)
    finally:
        settings.STANDBY_SANDBOXES = 2
        assert STANDBYS.taken == taken


def test_a_step_in_a_standby_sees_and_is_exactly_what_a_step_with_its_own_bwrap_is(
    steps, settings, tmp_path
):
    data = tmp_path / "data"
    data.mkdir()
    (data / "rows.csv").write_text("a,b\n")
    single = tmp_path / "single.csv"  # A file input is mounted on a file.
    single.write_text("x\n")
    command = f"{SEEN}; cat {data}/rows.csv {single}; touch {data}/new 2>&1 || true"
    steps.run("true")  # The first step of a kind starts with its own bwrap; a standby follows.
    first, cold = own_bwrap(steps, settings, command, inputs=(data, single))
    second, warm = in_standby(steps, command, inputs=(data, single))
    assert first.exit_code == 0 and second.exit_code == 0, cold + warm
    seen = [line for line in warm.splitlines() if not line.startswith("[conveyor]")]
    assert seen == [line for line in cold.splitlines() if not line.startswith("[conveyor]")]
    # And what that is: read-only code, inputs, root and /etc; no privilege; 0-2 open.
    assert "STEP/work ro,nosuid,nodev" in warm and "STEP/outputs rw,nosuid,nodev" in warm
    assert f"{data} ro,nosuid,nodev" in warm and f"{single} ro,nosuid,nodev" in warm
    assert re.search(r"^/ ro,nosuid,nodev", warm, re.M) and "/etc ro,nosuid,nodev" in warm
    assert "\n65534\n65534\n65534\n" in warm
    assert warm.count("\t0000000000000000") == 5 and "NoNewPrivs:\t1" in warm
    lines = warm.splitlines()
    assert lines[lines.index("descriptors:") + 1 : lines.index("environment:")] == ["0", "1", "2"]
    assert "HOME=STEP/home" in warm and "\nSTEP/work\n" in warm
    assert (
        "'/made-in-root': Read-only file system" in warm
        and "data/new': Read-only file system" in warm
    )
    assert "a,b\nx\n" in warm and "conveyor-step\n" in warm
    assert "CONVEYOR_SECRET" not in warm and "DJANGO_SETTINGS_MODULE" not in warm


def test_the_next_standby_is_made_while_a_step_runs_and_each_serves_one_step(steps):
    steps.run("true")
    steps.ready()
    pids = []
    for _ in range(3):
        steps.ready()
        with STANDBYS._lock:
            pids.append(next(iter(STANDBYS._idle.values()))[0].proc.pid)
        result, _ = in_standby(steps, "true")
        assert result.exit_code == 0 and result.pid == pids[-1]
    assert len(set(pids)) == 3


def test_a_timed_out_step_in_a_standby_is_stopped_with_everything_it_started(steps):
    steps.run("true")
    marker = "standby-timeout-" + os.urandom(4).hex()
    result, log = in_standby(
        steps,
        f"setsid bash -c 'sleep 60; : {marker}' & bash -c 'sleep 60; : {marker}'",
        timeout=1.0,
        kill_grace=0.5,
    )
    assert result.timed_out, log
    deadline = time.monotonic() + 10
    while any(marker in cmdline(pid) for pid in pids()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in pids() if marker in cmdline(pid)]


def test_a_standby_that_died_while_idle_costs_the_next_step_nothing(steps, caplog):
    steps.run("true")
    steps.ready()
    with STANDBYS._lock:
        dead = next(iter(STANDBYS._idle.values()))[0]
    os.killpg(dead.proc.pid, signal.SIGKILL)
    dead.proc.wait(10)
    with caplog.at_level(logging.WARNING, logger="designer.engine.standby"):
        result, log = steps.run("echo still runs")
    assert result.exit_code == 0 and "still runs" in log
    assert "a standby sandbox ended before its step" in caplog.text


def test_the_check_a_new_kind_of_standby_must_pass_catches_a_helper_that_ignores_it(
    steps, settings, tmp_path
):
    """The check carries a token only its request has: echoing "ok" does not pass."""
    key = runtime._standby_key(runtime.pool_policy("cpu"), mounts(settings))
    assert runtime._standby_verify(key) is None
    fake = tmp_path / "fake-drop"
    fake.write_text('#!/bin/sh\n[ "$1" = --standby ] && echo ok && exit 0\nexit 126\n')
    fake.chmod(0o755)
    settings.STEP_DROP = str(fake)
    reason = runtime._standby_verify(key)
    assert reason is not None and "a standby sandbox's check step failed" in reason


def test_a_kind_of_standby_that_fails_its_check_is_never_used_and_steps_still_run(
    steps, monkeypatch, caplog
):
    monkeypatch.setattr(runtime, "_standby_verify", lambda key: "it failed its check")
    with caplog.at_level(logging.WARNING, logger="designer.engine.standby"):
        for _ in range(3):
            result, log = steps.run("id -u")
            assert result.exit_code == 0 and "65534" in log
            time.sleep(0.2)
    assert "steps start without standby sandboxes: it failed its check" in caplog.text
    assert STANDBYS.idle() == 0


def raw_standby(settings: Any) -> Any:
    key = runtime._standby_key(runtime.pool_policy("cpu"), mounts(settings))
    assert key is not None
    drop = runtime.step_drop(step_identity())
    assert drop is not None
    return standby_spawn(key, drop, NetworkLease(None, lambda _lease: None))


def mounts(settings: Any) -> Any:
    dirs = ArtifactStore(Path(settings.CONVEYOR_HOME) / "m").make_step_dirs("1", "n", 1, {})
    return runtime._mounts(dirs, step_identity(), runtime.pool_policy("cpu"), None, ())


@pytest.mark.parametrize(
    ("fields", "mounts_sent", "count", "message"),
    [
        (["0", "65534", "/", "2", "/bin/touch", "/tmp/x"], 0, 0, "the uid must be a number"),
        (["65534", "0", "/", "2", "/bin/touch", "/tmp/x"], 0, 0, "the gid must be a number"),
        (["65534", "65534", "/", "etc", "1", "/bin/true"], 1, 1, "not a clean absolute path"),
        (["65534", "65534", "/", "/a/../etc", "1", "/bin/true"], 1, 1, "not a clean absolute"),
        (["65534", "65534", "/", "/etc", "1", "/bin/true"], 1, 2, "malformed request"),
        (["65534", "65534", "/", "/etc", "x", "/bin/true"], 1, 1, "malformed request"),
        (["65534", "65534", "/", "/etc", "3", "/bin/true"], 1, 1, "malformed request"),
    ],
)
def test_the_helper_refuses_a_bad_request_before_running_anything(
    fields, mounts_sent, count, message, steps, settings
):
    from designer.engine.zygote_client import detached_mount

    standby = raw_standby(settings)
    fds = [detached_mount(str(runtime._etc_dir(step_identity(), False)), True)][:mounts_sent]
    payload = b"".join(item.encode() + b"\0" for item in fields)
    rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack(f"{len(fds)}i", *fds))]
    try:
        standby.sock.sendmsg([struct.pack("!II", len(payload), count)], rights if fds else [])
        standby.sock.sendall(payload)
    finally:
        for fd in fds:
            os.close(fd)
        standby.sock.close()
    _, errors = standby.proc.communicate(timeout=10)
    assert standby.proc.returncode == 126, errors
    assert message in errors.decode()


def test_a_standby_that_is_never_used_ends_without_running_anything(steps, settings):
    standby = raw_standby(settings)
    standby.sock.close()
    output, errors = standby.proc.communicate(timeout=10)
    assert standby.proc.returncode == 0 and output == b"" and errors == b""


def pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_a_standby_that_cannot_take_its_step_hands_it_to_its_own_bwrap(steps, monkeypatch, caplog):
    from designer.engine.standby import Standby

    def broken(self: Standby, *args: Any, **kwargs: Any) -> Any:
        self.discard()
        raise OSError("the socket is gone")

    steps.run("true")
    steps.ready()
    monkeypatch.setattr(Standby, "start", broken)
    with caplog.at_level(logging.WARNING, logger="designer.engine.runtime"):
        result, log = steps.run('echo "netns=$(readlink /proc/self/ns/net)"')
    assert result.exit_code == 0 and "netns=net:[" in log
    assert "a standby sandbox could not take its step (the socket is gone)" in caplog.text
    # Its own bwrap made it a namespace of its own: not the host's.
    assert f"net:[{os.stat('/proc/self/ns/net').st_ino}]" not in log


def test_a_command_with_a_null_byte_is_refused_as_popen_refuses_it(steps):
    """A NUL would shift the request's fields: refused before anything is sent."""
    steps.run("true")
    steps.ready()
    taken = STANDBYS.taken
    with pytest.raises(ValueError, match="embedded null byte"):
        steps.run("echo a\0b")
    assert STANDBYS.taken == taken + 1
