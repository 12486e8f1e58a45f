"""The subprocess runner, against real processes (pure: no database)."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from designer.engine.runner import StepResult, run_step, step_environment
from designer.registry.command import render_command


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    work = tmp_path / "work"
    home = tmp_path / "home"
    work.mkdir()
    home.mkdir()
    return {
        "work_dir": work,
        "home": home,
        "tmp_dir": tmp_path / "tmp",
        "log_path": tmp_path / "step.log",
    }


def run(dirs: dict[str, Path], command: str, **kwargs: Any) -> StepResult:
    return run_step(command, **dirs, **kwargs)


def is_running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie (a container's init may not reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_gone(pid: int, within: float = 3.0) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        if not is_running(pid):
            return True
        time.sleep(0.02)
    return False


def test_a_successful_command_reports_exit_code_zero_and_its_output_in_the_log(dirs):
    result = run(dirs, "echo hello; echo world")
    assert result.exit_code == 0
    assert result.succeeded
    assert not result.timed_out and not result.canceled and not result.truncated
    assert dirs["log_path"].read_text() == "hello\nworld\n"
    assert result.log_bytes == len("hello\nworld\n")
    assert result.started_at <= result.ended_at


def test_a_failing_command_reports_its_exit_code_and_the_last_20_lines_of_stderr(dirs):
    result = run(dirs, "for i in $(seq 1 30); do echo problem $i >&2; done; exit 3")
    assert result.exit_code == 3
    assert not result.succeeded
    lines = result.stderr_tail.splitlines()
    assert lines == [f"problem {i}" for i in range(11, 31)]


def test_stderr_lines_are_marked_in_the_log_and_a_last_line_without_newline_gets_one(dirs):
    run(dirs, "echo out; echo err >&2; sleep 0.05; printf last")
    log = dirs["log_path"].read_text()
    assert log == "out\n[stderr] err\nlast\n"


def test_lines_reach_the_publish_hook_in_order_within_each_stream(dirs):
    seen: list[tuple[str, str]] = []
    command = "for i in $(seq 1 300); do echo out$i; echo err$i >&2; done"
    run(dirs, command, on_line=lambda stream, line: seen.append((stream, line)))
    assert [line for s, line in seen if s == "stdout"] == [f"out{i}" for i in range(1, 301)]
    assert [line for s, line in seen if s == "stderr"] == [f"err{i}" for i in range(1, 301)]


def test_a_publish_hook_that_raises_does_not_fail_the_step(dirs):
    def broken(stream: str, line: str) -> None:
        raise RuntimeError("channel layer down")

    result = run(dirs, "echo one; echo two", on_line=broken)
    assert result.exit_code == 0
    assert dirs["log_path"].read_text() == "one\ntwo\n"


def test_on_start_receives_the_pid_of_the_child(dirs):
    pids: list[int] = []
    result = run(dirs, "echo $$ > pid.txt", on_start=pids.append)
    assert pids == [result.pid]
    assert int((dirs["work_dir"] / "pid.txt").read_text()) == result.pid


def test_the_command_runs_in_the_work_dir_with_its_own_home_and_tmpdir(dirs):
    run(dirs, 'pwd > where.txt; echo "$HOME" >> where.txt; echo "$TMPDIR" >> where.txt')
    where = (dirs["work_dir"] / "where.txt").read_text().splitlines()
    assert where == [str(dirs["work_dir"]), str(dirs["home"]), str(dirs["tmp_dir"])]
    assert dirs["tmp_dir"].is_dir()


def test_server_secrets_in_the_worker_environment_do_not_reach_the_step(dirs, monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "super-secret-key-xyz")
    monkeypatch.setenv("DATABASE_URL", "postgres://user:pw@db/conveyor")
    monkeypatch.setenv("CONVEYOR_BROKER_URL", "redis://secret@broker")
    result = run(dirs, "env", variables={"CONVEYOR_RUN_ID": "run-7", "CONVEYOR_NODE_ID": "n1"})
    env = dict(line.split("=", 1) for line in dirs["log_path"].read_text().splitlines())
    assert result.exit_code == 0
    assert "DJANGO_SECRET_KEY" not in env and "DATABASE_URL" not in env
    assert "CONVEYOR_BROKER_URL" not in env
    assert "super-secret-key-xyz" not in dirs["log_path"].read_text()
    assert env["CONVEYOR_RUN_ID"] == "run-7" and env["CONVEYOR_NODE_ID"] == "n1"
    assert env["LANG"] == env["LC_ALL"] == "C.UTF-8"
    assert env["PYTHONUNBUFFERED"] == "1" and env["PYTHONDONTWRITEBYTECODE"] == "1"
    allowed = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONUNBUFFERED"}
    allowed |= {"PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV", "CONVEYOR_RUN_ID", "CONVEYOR_NODE_ID"}
    # bash itself adds PWD, SHLVL and _ to what it exports.
    assert set(env) - allowed <= {"PWD", "SHLVL", "_"}


def test_the_workers_python_comes_first_on_the_steps_path(dirs):
    run(dirs, 'echo "$PATH" > path.txt; command -v python > which.txt')
    python_dir = os.path.dirname(sys.executable)
    assert (dirs["work_dir"] / "path.txt").read_text().split(":")[0] == python_dir
    assert (dirs["work_dir"] / "which.txt").read_text().strip() == os.path.join(
        python_dir, "python"
    )


def test_only_conveyor_variables_may_be_passed_to_a_step(dirs):
    with pytest.raises(ValueError, match="only CONVEYOR_"):
        step_environment(
            home=dirs["home"], tmp_dir=dirs["tmp_dir"], variables={"DATABASE_URL": "x"}
        )
    with pytest.raises(ValueError, match="server setting"):
        step_environment(
            home=dirs["home"], tmp_dir=dirs["tmp_dir"], variables={"CONVEYOR_BROKER_URL": "x"}
        )


def test_a_parameter_that_looks_like_a_shell_command_arrives_as_literal_text(dirs):
    hostile = "x; touch pwned; $(touch pwned2) `touch pwned3`"
    command = render_command("echo ${{inputs.msg}} > got.txt", inputs={"msg": hostile}, outputs={})
    result = run(dirs, command)
    assert result.exit_code == 0
    assert (dirs["work_dir"] / "got.txt").read_text() == hostile + "\n"
    assert sorted(p.name for p in dirs["work_dir"].iterdir()) == ["got.txt"]


def test_a_timeout_stops_the_command_and_its_grandchild(dirs):
    command = "sleep 60 & echo $! > grandchild.pid; sleep 60; echo never"
    result = run(dirs, command, timeout=0.5, kill_grace=0.5)
    grandchild = int((dirs["work_dir"] / "grandchild.pid").read_text())
    assert result.timed_out and not result.canceled
    assert result.exit_code < 0
    assert result.duration < 5
    assert wait_gone(grandchild)
    assert "[conveyor] timed out after 0.5 s" in dirs["log_path"].read_text()


def test_a_command_that_ignores_sigterm_is_killed_after_the_grace_period(dirs):
    started: list[float] = []
    result = run(
        dirs,
        "trap '' TERM; echo ready; sleep 60",
        timeout=0.3,
        kill_grace=0.5,
        on_start=lambda pid: started.append(time.monotonic()),
    )
    assert result.timed_out
    assert result.exit_code == -9
    assert 0.8 <= result.duration < 5
    assert "sent SIGKILL" in dirs["log_path"].read_text()


def test_setting_the_cancel_event_stops_the_step_and_says_canceled(dirs):
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    result = run(
        dirs, "sleep 60 & sleep 60", should_cancel=cancel, kill_grace=0.5, poll_interval=0.05
    )
    assert result.canceled and not result.timed_out
    assert result.exit_code < 0
    assert result.duration < 5
    assert "[conveyor] canceled" in dirs["log_path"].read_text()


def test_a_cancel_callable_is_polled_until_it_says_yes(dirs):
    calls: list[float] = []

    def should_cancel() -> bool:
        calls.append(time.monotonic())
        return len(calls) >= 3

    result = run(dirs, "sleep 60", should_cancel=should_cancel, poll_interval=0.05, kill_grace=0.5)
    assert result.canceled
    assert len(calls) == 3


def test_a_step_that_ends_on_its_own_is_neither_timed_out_nor_canceled(dirs):
    result = run(dirs, "sleep 0.1; exit 0", timeout=30, should_cancel=lambda: False)
    assert result.succeeded
    assert not result.timed_out and not result.canceled


def test_the_log_is_capped_with_a_marker_while_the_child_writes_50_mb_unblocked(dirs):
    command = "head -c 50000000 /dev/zero | tr '\\0' x | fold -w 999; echo tail-of-stderr >&2"
    published: list[str] = []
    result = run(dirs, command, log_cap=100_000, on_line=lambda s, line: published.append(s))
    log = dirs["log_path"].read_bytes()
    assert result.exit_code == 0
    assert result.truncated
    assert result.output_bytes == 50_050_050 + len("tail-of-stderr\n")
    assert log.endswith(
        b"\n[conveyor] log truncated after 100000 bytes; further output discarded\n"
    )
    assert len(log) == result.log_bytes < 100_000 + 200
    assert result.stderr_tail == "tail-of-stderr"
    assert published.count("stdout") == 100


def test_a_very_long_line_is_split_into_64_kib_pieces(dirs):
    seen: list[str] = []
    run(dirs, "head -c 150000 /dev/zero | tr '\\0' y", on_line=lambda s, line: seen.append(line))
    assert [len(line) for line in seen] == [65536, 65536, 150000 - 2 * 65536]


def test_processes_left_in_the_background_are_killed_when_the_command_ends(dirs):
    result = run(dirs, "sleep 60 & echo $! > bg.pid; echo done")
    background = int((dirs["work_dir"] / "bg.pid").read_text())
    assert result.exit_code == 0
    assert result.duration < 5
    assert wait_gone(background)


def test_a_command_that_closes_its_output_still_runs_to_its_end(dirs):
    result = run(dirs, "exec >/dev/null 2>&1; sleep 0.5; exit 4")
    assert result.exit_code == 4
    assert result.duration >= 0.5


def test_a_missing_work_dir_raises_and_starts_nothing(dirs, tmp_path):
    dirs["work_dir"] = tmp_path / "absent"
    with pytest.raises(FileNotFoundError):
        run(dirs, "echo hi")


def test_a_child_gets_its_grace_period_after_the_command_itself_exits_on_sigterm(dirs):
    child = "trap 'sleep 0.3; echo saved > saved.txt; exit 0' TERM; while true; do sleep 0.05; done"
    result = run(dirs, f'sh -c "{child}" & wait', timeout=0.3, kill_grace=3)
    assert result.timed_out
    assert (dirs["work_dir"] / "saved.txt").read_text() == "saved\n"
    assert "sent SIGKILL" not in dirs["log_path"].read_text()


def test_when_on_start_raises_the_child_is_killed_and_the_error_propagates(dirs):
    pids: list[int] = []

    def on_start(pid: int) -> None:
        pids.append(pid)
        raise RuntimeError("could not record the pid")

    with pytest.raises(RuntimeError, match="record the pid"):
        run(dirs, "sleep 60", on_start=on_start)
    assert wait_gone(pids[0])
