"""Run one step's shell command as a supervised subprocess (pure: stdlib only).

The child is `/bin/bash -c <command>` in its own session (so its process group id is its
pid), with a clean allow-listed environment, stdout and stderr read by one selector loop
in the calling thread (no reader threads, no deadlock on big output), a timeout and a
cancellation check that both stop the whole process group: SIGTERM, then SIGKILL after a
grace period.

The log format and its cap are described in `designer.engine.steplog`.

Anything the command leaves running in the background when it exits is killed: a step
ends when its command ends.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from designer.engine.steplog import LineSplitter, LogSink

DEFAULT_LOG_CAP = 10 * 1024 * 1024
DEFAULT_KILL_GRACE = 10.0
DEFAULT_POLL_INTERVAL = 0.2
STDERR_TAIL_LINES = 20
_READ_SIZE = 64 * 1024
# Pipes still open after the whole group is gone belong to a process that escaped the
# group (setsid); stop waiting for them after this long.
_DRAIN_AFTER_EXIT = 1.0
_DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"

# The step variables the engine sets; any CONVEYOR_* name is accepted, these are documented.
STEP_VARIABLES = (
    "CONVEYOR_RUN_ID",
    "CONVEYOR_STEP_ID",
    "CONVEYOR_NODE_ID",
    "CONVEYOR_ATTEMPT",
    "CONVEYOR_WORK_DIR",
    "CONVEYOR_OUTPUTS_DIR",
)
# Server settings share the CONVEYOR_ prefix; refusing them guards against forwarding one
# by accident.
_SERVER_ONLY_MARKERS = ("SECRET", "PASSWORD", "TOKEN", "_URL", "CONVEYOR_HOME")

CancelCheck = Callable[[], bool] | threading.Event
Spawn = Callable[[list[str], Path, dict[str, str]], "subprocess.Popen[bytes]"]


@dataclass(frozen=True)
class StepResult:
    """What happened to one subprocess run.

    `exit_code` is the process's exit status, negative when a signal killed it (-15 for
    SIGTERM, -9 for SIGKILL). Times are wall-clock UTC; `duration` is measured with a
    monotonic clock. `start`: how its process started, filled by the step runtime
    (`{"kind": "warm" | "cold", "latency_ms": ...}`, see `designer.engine.zygote.Launch`).
    """

    exit_code: int
    timed_out: bool
    canceled: bool
    stderr_tail: str
    log_bytes: int
    output_bytes: int
    truncated: bool
    started_at: datetime
    ended_at: datetime
    duration: float
    pid: int
    start: dict[str, Any] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.exit_code == 0 and not self.timed_out and not self.canceled


def step_environment(
    *,
    home: Path,
    tmp_dir: Path,
    variables: Mapping[str, str] | None = None,
    locale: str = "C.UTF-8",
    path: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Build the allow-listed environment of a step; nothing else from os.environ leaks in.

    home: the step's HOME directory.
    tmp_dir: the step's TMPDIR (created if missing).
    variables: CONVEYOR_* variables for the step (see STEP_VARIABLES); other names raise.
    locale: value of LANG and LC_ALL.
    path: the PATH (default: the worker's Python directory, then the worker's PATH).
    extra: other variables (an environment's own); server-setting-like names raise.
    """
    tmp_dir.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": path or _step_path(),
        "HOME": str(home),
        "LANG": locale,
        "LC_ALL": locale,
        "TMPDIR": str(tmp_dir),
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if os.environ.get("VIRTUAL_ENV"):
        env["VIRTUAL_ENV"] = os.environ["VIRTUAL_ENV"]
    for name, value in (extra or {}).items():
        if any(marker in name.upper() for marker in _SERVER_ONLY_MARKERS):
            raise ValueError(f"variable {name!r} looks like a server setting; refusing to pass it")
        env[name] = str(value)
    for name, value in (variables or {}).items():
        _check_variable(name, value)
        env[name] = value
    return env


def _step_path() -> str:
    """The worker's Python directory first, then the worker's PATH, without duplicates."""
    # Not resolved: resolving a venv's python symlink would point outside the venv.
    parts = [os.path.dirname(sys.executable), *os.environ.get("PATH", _DEFAULT_PATH).split(":")]
    return ":".join(dict.fromkeys(p for p in parts if p))


def _check_variable(name: str, value: str) -> None:
    if not name.startswith("CONVEYOR_") or not name.replace("_", "").isalnum():
        raise ValueError(f"step variable {name!r}: only CONVEYOR_* names may be passed to a step")
    if any(marker in name for marker in _SERVER_ONLY_MARKERS):
        raise ValueError(f"step variable {name!r} looks like a server setting; refusing to pass it")
    if not isinstance(value, str):
        raise ValueError(f"step variable {name!r}: value must be a string, got {value!r}")


def run_step(
    command: str,
    *,
    work_dir: Path,
    home: Path,
    tmp_dir: Path,
    log_path: Path,
    variables: Mapping[str, str] | None = None,
    timeout: float | None = None,
    should_cancel: CancelCheck | None = None,
    on_line: Callable[[str, str], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    log_cap: int = DEFAULT_LOG_CAP,
    kill_grace: float = DEFAULT_KILL_GRACE,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    locale: str = "C.UTF-8",
    launcher: Sequence[str] = (),
    notes: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    around_spawn: Callable[[], AbstractContextManager[object]] | None = None,
    pass_fds: Sequence[int] = (),
    spawn: Spawn | None = None,
) -> StepResult:
    """Run `command` with `/bin/bash -c` and supervise it until it and its group are gone.

    command: the rendered, already shell-quoted command line.
    work_dir: the child's working directory (must exist).
    home: the child's HOME; tmp_dir: its TMPDIR (created if missing).
    log_path: the step's log file, opened for appending (see the module doc for the format).
    variables: CONVEYOR_* variables for the child (see STEP_VARIABLES).
    timeout: seconds before the group is stopped, or None for no limit.
    should_cancel: polled about every `poll_interval` seconds (a callable or an Event).
    on_line: publish hook called with (stream, line) for every logged line; keep it fast,
        the child waits while it runs.
    on_start: called with the child's pid (also its process group id) once it started.
    log_cap: bytes of child output written to the log before truncation.
    kill_grace: seconds between SIGTERM and SIGKILL.
    poll_interval: seconds between cancellation checks.
    locale: LANG and LC_ALL of the child.
    launcher: argv that starts `/bin/bash -c command` (the sandbox, see
        `designer.engine.runtime`); empty: bash is started directly.
    notes: `[conveyor]` lines written to the log before the child starts.
    env: the child's whole environment (default: `step_environment` of the arguments).
    around_spawn: a context the child is started in, left as soon as it started (the
        runtime's: the step's network namespace, entered by this thread alone).
    pass_fds: descriptors the child inherits besides 0-2 (the sandbox's helper).
    spawn: starts the child in place of `subprocess.Popen` (the runtime's standby sandbox,
        `designer.engine.standby`), given `[*launcher, "/bin/bash", "-c", command]`, the
        working directory and the environment; it must return a process group leader
        with stdin from /dev/null and piped stdout and stderr, as `spawn_child` makes.
    """
    if env is None:
        env = step_environment(home=home, tmp_dir=tmp_dir, variables=variables, locale=locale)
    started_at = datetime.now(UTC)
    started = time.monotonic()
    with open(log_path, "ab") as log:
        sink = LogSink(log, log_cap, on_line)
        for note in notes:
            sink.note(note)
        argv = [*launcher, "/bin/bash", "-c", command]
        with around_spawn() if around_spawn is not None else nullcontext():
            if spawn is not None:
                proc = spawn(argv, work_dir, dict(env))
            else:
                proc = spawn_child(argv, work_dir, dict(env), tuple(pass_fds))
        supervisor = _Supervisor(proc, sink, timeout, should_cancel, kill_grace, poll_interval)
        try:
            if on_start is not None:
                on_start(proc.pid)
            supervisor.run()
        except BaseException:
            # Whatever went wrong here, the step's processes must not be left behind.
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
    return supervisor.result(started_at, time.monotonic() - started)


def spawn_child(
    argv: list[str], work_dir: Path, env: dict[str, str], pass_fds: tuple[int, ...] = ()
) -> subprocess.Popen[bytes]:
    # A new session makes the child a process group leader: signals reach its whole tree.
    # It also leaves the child without a controlling terminal (stdin is /dev/null), which
    # is why the sandbox needs no `--new-session` of its own (see runtime.py).
    return subprocess.Popen(
        argv,
        cwd=work_dir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        close_fds=True,
        pass_fds=pass_fds,
    )


class _Supervisor:
    """The selector loop: drain both pipes, watch the exit, the clock and cancellation."""

    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        sink: LogSink,
        timeout: float | None,
        should_cancel: CancelCheck | None,
        kill_grace: float,
        poll_interval: float,
    ) -> None:
        self.proc = proc
        self.sink = sink
        self.should_cancel = should_cancel
        self.kill_grace = kill_grace
        self.poll_interval = poll_interval
        now = time.monotonic()
        self.deadline = None if timeout is None else now + timeout
        self.timeout = timeout
        self.next_cancel_check = now + poll_interval
        self.kill_at: float | None = None
        self.drain_until: float | None = None
        self.timed_out = False
        self.canceled = False
        self.streams = {
            "stdout": LineSplitter("stdout", sink),
            "stderr": LineSplitter("stderr", sink),
        }
        self.selector = selectors.DefaultSelector()
        self.pidfd: int | None = None

    def run(self) -> None:
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.selector.register(self.proc.stdout, selectors.EVENT_READ, "stdout")
        self.selector.register(self.proc.stderr, selectors.EVENT_READ, "stderr")
        self.pidfd = _open_pidfd(self.proc.pid)
        if self.pidfd is not None:
            self.selector.register(self.pidfd, selectors.EVENT_READ, "exit")
        try:
            while self._running():
                for key, _ in self.selector.select(self._wait_time()):
                    self._on_ready(key)
                self._check_exit()
                self._check_clock()
                self.sink.log.flush()  # Let the tail endpoint see new lines promptly.
            self._finish()
        finally:
            self.selector.close()
            if self.pidfd is not None:
                os.close(self.pidfd)

    def _open_pipes(self) -> bool:
        return any(k.data != "exit" for k in self.selector.get_map().values())

    def _running(self) -> bool:
        """Go on while the command runs, then while its pipes drain (or its grace runs)."""
        if self.proc.returncode is None:
            return True
        pipes_open = self._open_pipes()
        if self.drain_until is None:
            # Stopping: the command exited on SIGTERM but its children get their grace.
            return pipes_open or _group_alive(self.proc.pid)
        return pipes_open and time.monotonic() < self.drain_until

    def _wait_time(self) -> float:
        # Without a pidfd the exit is only seen by polling, so poll briskly.
        wait = self.poll_interval if self.pidfd is not None else min(self.poll_interval, 0.02)
        if self.drain_until is not None:
            moment: float | None = self.drain_until
        elif self.kill_at is not None:
            moment = self.kill_at
        else:
            moment = self.deadline if self.proc.returncode is None else None
        if moment is not None:
            wait = min(wait, max(moment - time.monotonic(), 0.0))
        return wait

    def _on_ready(self, key: selectors.SelectorKey) -> None:
        if key.data == "exit":
            self.selector.unregister(key.fileobj)
            return
        chunk = os.read(key.fd, _READ_SIZE)
        stream = self.streams[key.data]
        if chunk:
            stream.feed(chunk)
        else:
            self.selector.unregister(key.fileobj)
            stream.close()

    def _check_exit(self) -> None:
        """Once the command exited, stop whatever of its group is left, then reap it."""
        if self.proc.returncode is not None or not _exited_unreaped(self.proc):
            return
        if self.kill_at is None:
            # Background leftovers (see the module doc); the unreaped leader still pins
            # the group id, so this signal cannot reach a stranger's group.
            _signal_group(self.proc.pid, signal.SIGKILL)
            self._start_drain()
        self.proc.wait()

    def _check_clock(self) -> None:
        now = time.monotonic()
        if self.kill_at is not None:
            if now >= self.kill_at and self.drain_until is None:
                if _signal_group(self.proc.pid, signal.SIGKILL):
                    self.sink.note(
                        f"still running {self.kill_grace:g} s after SIGTERM; sent SIGKILL"
                    )
                self._start_drain()
            return
        if self.proc.returncode is not None:
            return  # Already ended on its own: neither a timeout nor a cancellation.
        if self.deadline is not None and now >= self.deadline:
            self.timed_out = True
            self._terminate(f"timed out after {self.timeout:g} s")
        elif self.should_cancel is not None and now >= self.next_cancel_check:
            self.next_cancel_check = now + self.poll_interval
            if _is_canceled(self.should_cancel):
                self.canceled = True
                self._terminate("canceled")

    def _terminate(self, reason: str) -> None:
        self.sink.note(f"{reason}; sent SIGTERM to the step's processes")
        _signal_group(self.proc.pid, signal.SIGTERM)
        self.kill_at = time.monotonic() + self.kill_grace

    def _start_drain(self) -> None:
        if self.drain_until is None:
            self.drain_until = time.monotonic() + _DRAIN_AFTER_EXIT

    def result(self, started_at: datetime, duration: float) -> StepResult:
        """The outcome, once `run` returned."""
        return StepResult(
            exit_code=self.proc.returncode,
            timed_out=self.timed_out,
            canceled=self.canceled,
            stderr_tail=self.streams["stderr"].tail(STDERR_TAIL_LINES),
            log_bytes=self.sink.written,
            output_bytes=sum(s.total for s in self.streams.values()),
            truncated=self.sink.truncated,
            started_at=started_at,
            ended_at=datetime.now(UTC),
            duration=duration,
            pid=self.proc.pid,
        )

    def _finish(self) -> None:
        self.proc.wait()
        for stream in self.streams.values():
            stream.close()
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


def _is_canceled(check: CancelCheck) -> bool:
    if isinstance(check, threading.Event):
        return check.is_set()
    return bool(check())


def _exited_unreaped(proc: subprocess.Popen[bytes]) -> bool:
    """Whether the child exited, leaving it unreaped where the platform allows."""
    if not hasattr(os, "waitid"):
        return proc.poll() is not None
    try:
        info = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None


def _open_pidfd(pid: int) -> int | None:
    """A descriptor that becomes readable when `pid` exits (Linux); None where unsupported."""
    if not hasattr(os, "pidfd_open"):
        return None
    try:
        return os.pidfd_open(pid)
    except OSError:
        return None


def _signal_group(pgid: int, sig: int) -> bool:
    """Send `sig` to the process group (0 only checks it); False when none of it is left."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process of the group is left.

    Orphans are reparented to an init that may never reap them (a worker running as a
    container's PID 1 does not), and a zombie still answers killpg(pgid, 0); so on Linux
    the group is read from /proc instead.
    """
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        return _signal_group(pgid, 0)
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # Gone meanwhile, or not ours to read.
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False
