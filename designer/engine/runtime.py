"""The step runtime: the one way a step is started, by embedded and scale-out workers alike.

`step_run` puts the sandbox (`designer.engine.sandbox`) in front of the supervised
subprocess of `designer.engine.runner` (timeout, cancellation, log streaming, process
group kill): the step's environment on PATH, its code, environment and inputs read-only,
its outputs and scratch read-write, its pool's network, devices and limits.

If bubblewrap is missing or fails its probe, steps of non-staff users are refused unless
an admin set `CONVEYOR_ALLOW_UNSANDBOXED=1`; staff steps (or every step with that opt-out)
then run unsandboxed and say so in their log. It never falls back silently.

Signals: the runner signals the process group, which holds bwrap and the step (no
`--new-session`: the runner already starts it in a new session without a terminal, so
TIOCSTI has no terminal to reach). When bwrap ends, `--die-with-parent` kills the PID
namespace's init, and with it every process of the namespace, also those that left the
group with `setsid`.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import fcntl
import functools
import logging
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings

from designer.engine.artifacts import StepDirs
from designer.engine.runner import (
    CancelCheck,
    StepResult,
    run_step,
    spawn_child,
    step_environment,
)
from designer.engine.sandbox import (
    PROBE_TIMEOUT,
    Identity,
    Mounts,
    PoolPolicy,
    SandboxStatus,
    StepDrop,
    bind_plan,
    bwrap_argv,
    etc_write,
    identity,
    network_namespace_entered,
    network_namespace_new,
    probe_check,
    sandbox_probe,
)
from designer.engine.standby import STANDBYS, NetworkLease, Standby, StandbyKey
from designer.engine.standby import spawn as standby_spawn
from designer.engine.zygote import Launch
from designer.engine.zygote_runtime import warm_or_cold
from designer.environments.prepared import PreparedEnvironment

logger = logging.getLogger(__name__)
_SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start and this step may not run without it."""


_status: dict[tuple[str, int, int, int, str], SandboxStatus] = {}
_status_lock = threading.Lock()


def step_identity() -> Identity:
    """Who steps run as (the configured uid/gid when the server is root)."""
    return identity(settings.STEP_UID, settings.STEP_GID)


def sandbox_status(*, refresh: bool = False) -> SandboxStatus:
    """Whether the sandbox works here; probed once per process and configuration.

    refresh: probe again.
    """
    who = step_identity()
    key = (settings.SANDBOX_BWRAP, who.uid, who.gid, int(who.privileged), settings.STEP_DROP)
    with _status_lock:
        if refresh or key not in _status:
            try:
                drop = step_drop(who)
            except OSError:
                _status[key] = SandboxStatus(
                    False,
                    f"CONVEYOR_STEP_DROP is {settings.STEP_DROP}, which is not an executable "
                    "file (`make install` builds it; CONVEYOR_STEP_DROP=setpriv uses "
                    "util-linux's setpriv instead)",
                )
            else:
                _status[key] = sandbox_probe(settings.SANDBOX_BWRAP, who, drop)
        return _status[key]


_drops: dict[str, StepDrop] = {}
_drops_lock = threading.Lock()


def step_drop(who: Identity) -> StepDrop | None:
    """The helper a root server's steps drop root with, open once per process (descriptors
    survive a fork); None: `setpriv`, or not root. Raises OSError when the configured
    helper is missing."""
    path = settings.STEP_DROP
    if not who.privileged or path == "setpriv":
        return None
    with _drops_lock:
        drop = _drops.get(path)
        if drop is None:
            drop = _drops[path] = StepDrop(path)
        return drop


_announced: set[int] = set()


def sandbox_announce(log: logging.Logger | None = None) -> SandboxStatus:
    """Log the sandbox's state at start-up (once per process): loudly when steps cannot be
    sandboxed."""
    log = log or logger
    status = sandbox_status()
    if os.getpid() in _announced:
        return status
    _announced.add(os.getpid())
    if status.available:
        log.info("step sandbox: bubblewrap (%s)", status.mode)
    elif settings.ALLOW_UNSANDBOXED:
        log.error(
            "STEP SANDBOX UNAVAILABLE: %s. CONVEYOR_ALLOW_UNSANDBOXED is set: every step "
            "runs WITHOUT a sandbox, with the server's rights.",
            status.reason,
        )
    else:
        log.error(
            "STEP SANDBOX UNAVAILABLE: %s. Runs of non-staff users are refused; staff runs "
            "go unsandboxed. Install bubblewrap, or set CONVEYOR_ALLOW_UNSANDBOXED=1.",
            status.reason,
        )
    return status


def submit_allowed(user: Any) -> str | None:
    """None when `user` may submit a run now, else why not (the sandbox cannot start)."""
    if getattr(user, "is_staff", False) or settings.ALLOW_UNSANDBOXED:
        return None
    status = sandbox_status()
    if status.available:
        return None
    return (
        f"The step sandbox cannot start on this server ({status.reason}); runs are refused "
        "until an admin fixes it or sets CONVEYOR_ALLOW_UNSANDBOXED=1."
    )


def pool_policy(pool: str) -> PoolPolicy:
    """The policy of a compute pool (the defaults for a pool without one)."""
    policy: PoolPolicy | None = settings.STEP_POOLS.get(pool)
    if policy is None:
        return PoolPolicy(pool, limits=settings.STEP_LIMITS, ceiling=settings.STEP_LIMITS)
    return policy


def step_run(
    command: str,
    *,
    dirs: StepDirs,
    pool: str,
    inputs: Sequence[Path] = (),
    environment: PreparedEnvironment | None = None,
    limits: Mapping[str, object] | None = None,
    variables: Mapping[str, str] | None = None,
    unsandboxed_ok: Callable[[], bool] = lambda: False,
    timeout: float | None = None,
    should_cancel: CancelCheck | None = None,
    on_line: Callable[[str, str], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    log_cap: int = 10 * 1024 * 1024,
    kill_grace: float = 10.0,
) -> StepResult:
    """Run one step's rendered command in its sandbox and supervise it to its end.

    command: the rendered, shell-quoted command line.
    dirs: the attempt's folders; work (the code) is the working directory.
    pool: the step's compute pool (network, devices, limits).
    inputs: the host paths of its data inputs, bound read-only at the same place.
    environment: the built environment it runs in; None: the server's Python.
    limits: the node's limit overrides (`settings.limits`), capped by the pool's ceiling.
    variables: CONVEYOR_* variables. unsandboxed_ok: asked only when the sandbox cannot
        start; False fails the step with SandboxUnavailable.
    timeout, should_cancel, on_line, on_start, log_cap, kill_grace: as for `run_step`.
    """
    dispatched = time.monotonic()
    policy = pool_policy(pool)
    chosen, notes = policy.limits_for(limits)
    notes = [*(environment.warnings if environment else ()), *notes]
    status = sandbox_status()
    if not status.available and not unsandboxed_ok():
        raise SandboxUnavailable(f"the step sandbox cannot start: {status.reason}")
    spawned: list[float] = []

    def started(pid: int) -> None:
        spawned.append(time.monotonic())  # The start latency ends here for a cold start.
        if on_start is not None:
            on_start(pid)

    supervise: dict[str, Any] = {
        "work_dir": dirs.work,
        "home": dirs.home,
        "tmp_dir": dirs.tmp,
        "log_path": dirs.log_path,
        "timeout": timeout,
        "should_cancel": should_cancel,
        "on_line": on_line,
        "on_start": started,
        "log_cap": log_cap,
        "kill_grace": kill_grace,
    }
    script = chosen.shell_prefix() + command
    with _gpu_slot(policy) as gpu:
        extra = {**(environment.variables if environment else {})}
        if gpu is not None:
            extra["CUDA_VISIBLE_DEVICES"] = gpu
        path = f"{_bin_dir(environment)}:{_SYSTEM_PATH}"
        env = step_environment(
            home=dirs.home, tmp_dir=dirs.tmp, variables=variables, path=path, extra=extra
        )
        if not status.available:
            notes.append(f"WARNING: this step runs WITHOUT the sandbox ({status.reason})")
            result = run_step(script, notes=notes, env=env, **supervise)
            start = Launch(None, "cold start").record(dispatched, spawned[0])
            return dataclasses.replace(result, start=start)
        with contextlib.ExitStack() as stack:
            who = stack.enter_context(_UIDS.take(step_identity()))
            launch = warm_or_cold(
                command, dirs=dirs, who=who, base=step_identity(), policy=policy,
                limits=chosen, environment=environment, keep=_environment_paths(environment),
                etc_dir=_etc_dir, inputs=inputs, env=env, dispatched=dispatched,
            )  # fmt: skip
            mounts = _mounts(dirs, who, policy, environment, inputs)
            key = None if launch.argv else _standby_key(policy, mounts)
            standby = STANDBYS.take(key) if key is not None else None
            fresh_network = launch.argv is None and who.privileged and not policy.network
            netns = stack.enter_context(_NETNS.take(fresh_network and standby is None))
            drop = None if launch.argv else step_drop(who)
            own_bwrap = functools.partial(
                bwrap_argv, settings.SANDBOX_BWRAP, mounts, who, network=policy.network,
                own_network=netns.fd is not None, tmpfs_mb=settings.STEP_TMPFS_MB, drop=drop,
            )  # fmt: skip
            # A step with a standby gets a bwrap command line only if the standby fails.
            launcher = launch.argv or ([] if standby is not None else own_bwrap())
            pass_fds = (drop.fd,) if drop is not None else ()
            notes.append(launch.note)
            _hand_over(dirs, who)
            around = None
            if netns.fd is not None:
                around = functools.partial(network_namespace_entered, netns.fd)
            spawn = None
            if key is not None:
                spawn = functools.partial(_spawn_cold, key, standby, mounts, who, own_bwrap)
            try:
                result = run_step(
                    script,
                    launcher=launcher,
                    notes=notes,
                    env=env,
                    around_spawn=around,
                    pass_fds=pass_fds,
                    spawn=spawn,
                    **supervise,
                )
                netns.keep = result.exit_code >= 0 and not (result.timed_out or result.canceled)
            finally:
                if standby is not None:
                    standby.network.keep = netns.keep  # Set only when the step ended by itself.
                    standby.network.release()
                start = launch.record(dispatched, spawned[0] if spawned else None)
                if who.privileged:  # Its port folders are taken back by `ingest_output`.
                    os.chown(dirs.outputs, os.geteuid(), os.getegid())
            return dataclasses.replace(result, start=start)


def _mounts(
    dirs: StepDirs,
    who: Identity,
    policy: PoolPolicy,
    environment: PreparedEnvironment | None,
    inputs: Sequence[Path],
) -> Mounts:
    """What the step's sandbox binds (see `designer.engine.sandbox.Mounts`)."""
    return Mounts(
        read_only=(dirs.work, *_environment_paths(environment), *inputs),
        read_write=(dirs.outputs, dirs.home, dirs.tmp),
        etc_dir=_etc_dir(who, policy.network),
        work_dir=dirs.work,
        devices=policy.devices,
    )


def _standby_key(policy: PoolPolicy, mounts: Mounts) -> StandbyKey | None:
    """The kind of standby sandbox a cold step can start in, None if it cannot (see
    `designer.engine.standby`): root server, conveyor-step-drop, no devices."""
    base = step_identity()
    if settings.STANDBY_SANDBOXES <= 0 or not base.privileged or policy.devices:
        return None
    if settings.STEP_DROP == "setpriv":
        return None
    return StandbyKey(
        settings.SANDBOX_BWRAP, settings.STEP_DROP, policy.network, settings.STEP_TMPFS_MB, base
    )


def _spawn_cold(
    key: StandbyKey,
    standby: Standby | None,
    mounts: Mounts,
    who: Identity,
    own_bwrap: Callable[[], list[str]],
    argv: list[str],
    work_dir: Path,
    env: dict[str, str],
) -> subprocess.Popen[bytes]:
    """Start a cold step in its standby sandbox (argv is then the bare command), or with
    its own bwrap command line when it has none or the standby failed to take it; then
    ask for the next standby."""
    try:
        if standby is not None:
            try:
                return standby.start(
                    argv, cwd=work_dir, env=env, etc_dir=mounts.etc_dir,
                    binds=bind_plan(mounts)[1], who=who,
                )  # fmt: skip
            except OSError as exc:
                logger.warning("a standby sandbox could not take its step (%s)", exc)
            argv = [*own_bwrap(), *argv]
        drop = step_drop(who)
        return spawn_child(argv, work_dir, env, (drop.fd,) if drop is not None else ())
    finally:
        STANDBYS.refill(key, _standby_make, _standby_verify, settings.STANDBY_SANDBOXES)


def _standby_make(key: StandbyKey) -> Standby:
    """One standby sandbox of `key`, in a pooled network namespace unless its pool shares
    the host's (or none can be made here: then bwrap makes its own)."""
    fd = _NETNS.acquire() if not key.network else None
    drop = step_drop(key.who)
    assert drop is not None  # _standby_key: a root server with conveyor-step-drop.
    return standby_spawn(key, drop, NetworkLease(fd, _NETNS.release))


def _standby_verify(key: StandbyKey) -> str | None:
    """Run the sandbox probe's check in one standby of `key`: None if it passed, else why.

    The check also needs a read-only root, and prints a token that only the request
    carries, so a helper that ignored its request cannot pass it.
    """
    token = secrets.token_hex(8)
    check = f"{probe_check(key.who)} && ! touch /probe 2>/dev/null && echo {token}"
    try:
        standby = _standby_make(key)
        proc = standby.start(
            ["/bin/bash", "-c", check], cwd=Path("/"), env={"PATH": "/usr/bin:/bin"},
            etc_dir=_etc_dir(key.who, key.network), binds=(), who=key.who,
        )  # fmt: skip
    except OSError as exc:
        return f"a standby sandbox could not start: {exc}"
    try:
        output, errors = proc.communicate(timeout=PROBE_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return "a standby sandbox's check step timed out"
    finally:
        standby.network.keep = proc.returncode == 0
        standby.network.release()
    if proc.returncode != 0 or output.decode(errors="replace").split() != [token]:
        detail = errors.decode("utf-8", "replace").strip() or f"exit code {proc.returncode}"
        return f"a standby sandbox's check step failed: {detail}"
    return None


def _bin_dir(environment: PreparedEnvironment | None) -> str:
    if environment is not None:
        return str(environment.bin_dir)
    # Not resolved: resolving a venv's python symlink would point outside the venv.
    return os.path.dirname(sys.executable)


def _environment_paths(environment: PreparedEnvironment | None) -> tuple[Path, ...]:
    """What the step's Python needs read-only: the environment, or the server's venv and
    the interpreter it was made from."""
    if environment is not None:
        return (environment.root, *environment.ro_binds)
    prefixes = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix}
    return tuple(Path(p) for p in sorted(prefixes))


def _hand_over(dirs: StepDirs, who: Identity) -> None:
    """Give the step's uid its writable folders (outputs and each port's, HOME, TMPDIR)."""
    if not who.privileged:
        return
    folders = [dirs.outputs, dirs.home, dirs.tmp]
    with os.scandir(dirs.outputs) as entries:
        folders += [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]
    for folder in folders:
        os.chown(folder, who.uid, who.gid, follow_symlinks=False)


_etc_written: dict[tuple[int, int, bool], Path] = {}
_etc_lock = threading.Lock()


def _etc_dir(who: Identity, network: bool) -> Path:
    """This process's generated /etc for steps (made on first use, removed at exit), so a
    restart picks up changes such as a new ld.so.cache."""
    key = (who.uid, who.gid, network)
    with _etc_lock:
        folder = _etc_written.get(key)
        if folder is None or not folder.is_dir():
            runtime = Path(settings.CONVEYOR_HOME) / "runtime"
            runtime.mkdir(mode=0o700, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix="etc-", dir=runtime))
            etc_write(folder, who, network=network)
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            _etc_written[key] = folder
        return folder


class _GpuSlots:
    """Hands each running step of a GPU pool the least used `CUDA_VISIBLE_DEVICES` value."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_use: dict[str, Counter[str]] = {}

    @contextlib.contextmanager
    def take(self, policy: PoolPolicy) -> Iterator[str | None]:
        if not policy.gpus:
            yield None
            return
        with self._lock:
            used = self._in_use.setdefault(policy.name, Counter())
            slot = min(policy.gpus, key=lambda gpu: used[gpu])
            used[slot] += 1
        try:
            yield slot
        finally:
            with self._lock:
                used[slot] -= 1


_SLOTS = _GpuSlots()
_gpu_slot = _SLOTS.take


class _UidSlots:
    """Under root, one uid per running step from CONVEYOR_STEP_UID_COUNT uids.

    RLIMIT_NPROC counts the processes of a uid: with its own uid, a step's fork bomb
    cannot use up another step's budget. Threads of this process are kept apart by a set,
    worker processes on one host by a lock file per uid (flock, released with the step).
    When every uid is taken the step shares the first one.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._taken: set[int] = set()

    @contextlib.contextmanager
    def take(self, base: Identity) -> Iterator[Identity]:
        if not base.privileged or settings.STEP_UID_COUNT <= 1:
            yield base
            return
        uid, handle = self._claim(base.uid, settings.STEP_UID_COUNT)
        try:
            yield dataclasses.replace(base, uid=uid)
        finally:
            if handle is not None:  # Not a shared fallback: the uid was this step's.
                with self._lock:
                    self._taken.discard(uid)
                os.close(handle)  # Releases the flock.

    def _claim(self, first: int, count: int) -> tuple[int, int | None]:
        folder = Path(settings.CONVEYOR_HOME) / "runtime"
        folder.mkdir(mode=0o700, exist_ok=True)
        with self._lock:
            for uid in range(first, first + count):
                if uid in self._taken:
                    continue
                handle = os.open(folder / f"uid-{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(handle)
                    continue
                self._taken.add(uid)
                return uid, handle
        return first, None


_UIDS = _UidSlots()


class _NetSlots:
    """Under root, a pool of loopback-only network namespaces, made on first use. A step
    of a pool without network starts in one it holds alone for its run (namespaces belong
    to this process, so steps of other worker processes never get them either).

    Why: making and tearing down a network namespace is the sandbox's dearest namespace
    (about half a millisecond of CPU per step, plus the kernel's deferred cleanup). Reuse
    keeps the isolation: a namespace holds only the loopback; what a step opens in it
    (listening sockets, connections) dies with its processes. A namespace is handed on
    only after a step whose bwrap exited on its own: bwrap's PID-namespace init had ended,
    and the kernel ends every process of a PID namespace before its init is gone. After a
    timeout, cancel or engine error it is closed instead. The step has no capability to
    change the namespace's addresses, routes or firewall. When none can be made (not
    root, or a seccomp filter), bwrap makes a fresh one per step (`--unshare-net`).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._free: list[int] = []
        self._failed = False

    @contextlib.contextmanager
    def take(self, wanted: bool) -> Iterator[NetworkLease]:
        """A namespace for one step (fd None: not wanted, or none can be made here)."""
        lease = NetworkLease(self.acquire() if wanted else None, self.release)
        try:
            yield lease
        finally:
            lease.release()

    def acquire(self) -> int | None:
        """A namespace held until `release` (a standby sandbox's); None if none can be made."""
        return None if self._failed else self._get()

    def release(self, lease: NetworkLease) -> None:
        """Hand the namespace on if `lease.keep`, else close it."""
        if lease.fd is None:
            return
        if lease.keep:
            with self._lock:
                self._free.append(lease.fd)
        else:
            os.close(lease.fd)

    def _get(self) -> int | None:
        with self._lock:
            if self._free:
                return self._free.pop()
        try:
            return network_namespace_new()
        except OSError as exc:
            self._failed = True
            logger.warning("steps get a new network namespace each: %s", exc)
            return None


_NETNS = _NetSlots()
