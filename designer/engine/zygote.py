"""Warm starts: a step that runs a Python script is forked from a per-environment zygote.

The zygote (`designer.engine.zygote_server`) runs in a bubblewrap sandbox that holds no
user data: the OS and the generated /etc read-only, the environment read-only, a private
/tmp, and the folder of its socket. Each step's client (`designer.engine.zygote_client`)
is what the runner supervises in place of bubblewrap; it hands the step's folders to the
zygote as detached mounts, and the forked step builds its own namespaces from them (see
docs/engine.md, "Warm starts"). Only for a server running as root (the privileged
sandbox); anything this module cannot start warm starts cold, as before.
"""

# ruff: noqa: S108  (the /tmp paths are the sandbox's private tmpfs)
from __future__ import annotations

import atexit
import contextlib
import hashlib
import itertools
import json
import logging
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from designer.engine.sandbox import Identity, Limits, Mounts, os_binds, step_binds

logger = logging.getLogger(__name__)
SERVER = Path(__file__).with_name("zygote_server.py")
CLIENT = Path(__file__).with_name("zygote_client.py")
ZYGOTE_CAPS = ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP")
READY_TIMEOUT = 60.0
_PYTHON_NAME = re.compile(r"python(3(\.\d{1,2})?)?")
_BLANKS = re.compile(r"[ \t]+")
_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
# What to import for a package found in the environment (heaviest first).
HEAVY_MODULES = {
    "numpy": ("numpy",),
    "pandas": ("pandas",),
    "scipy": ("scipy", "scipy.sparse", "scipy.stats"),
    "sklearn": (
        "sklearn",
        "sklearn.base",
        "sklearn.model_selection",
        "sklearn.linear_model",
        "sklearn.ensemble",
        "sklearn.tree",
        "sklearn.metrics",
        "sklearn.preprocessing",
        "sklearn.pipeline",
        "sklearn.neighbors",
        "sklearn.svm",
        "sklearn.datasets",
    ),
    # pyplot also loads the font cache, which a cold step (a fresh HOME) rebuilds each time.
    "matplotlib": ("matplotlib", "matplotlib.pyplot"),
    "pyarrow": ("pyarrow",),
    "joblib": ("joblib",),
    "yaml": ("yaml",),
}
_OFF_LIMITS = ("/usr", "/etc", "/proc", "/dev", "/sys", "/bin", "/lib", "/lib64", "/sbin")


def python_command(command: str) -> tuple[str, str, list[str]] | None:
    """(kind, target, args) of `python file.py args` / `python -m module args`, else None.

    command: the rendered command line. Conservative: anything a shell would treat
        specially (pipes, `&&`, redirections, variables, globs, assignments, odd spacing)
        is not recognised, so that a warm start runs exactly what bash would have.
    """
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    # Runs of blanks (an omitted `$[[...]]` block leaves two) separate words in bash too;
    # a newline would end a command, so it is not a blank here.
    if "\n" in command or "\r" in command:
        return None
    if len(words) < 2 or shlex.join(words) != _BLANKS.sub(" ", command.strip()):
        return None
    if not _PYTHON_NAME.fullmatch(words[0]):
        return None
    if words[1] == "-m":
        if len(words) < 3 or not _MODULE_NAME.fullmatch(words[2]):
            return None
        return "module", words[2], words[3:]
    if words[1].startswith("-"):
        return None
    return "file", words[1], words[2:]


def preload_modules(site_packages: Sequence[Path], override: Sequence[str] | None) -> list[str]:
    """The modules a zygote imports: `override` if set, else the heavy ones installed.

    site_packages: the environment's site-packages folders.
    override: the per-environment list from CONVEYOR_ZYGOTE_PRELOAD, or None.
    """
    if override is not None:
        return list(override)
    found: list[str] = []
    for package, modules in HEAVY_MODULES.items():
        if any((folder / package).is_dir() for folder in site_packages):
            found += modules
    return found


def site_packages(root: Path) -> list[Path]:
    """The site-packages folders of an environment (or interpreter) folder."""
    return sorted(root.glob("lib/python3*/site-packages"))


def top_folder(path: Path) -> str:
    """The first folder of an absolute path (`/work` for `/work/main/var`)."""
    return "/" + path.parts[1] if len(path.parts) > 1 else "/"


@dataclass(frozen=True)
class ZygoteKey:
    """What makes two steps' zygotes interchangeable."""

    python: str
    keep: tuple[str, ...]
    etc_dir: str
    network: bool
    tops: tuple[str, ...]
    tmpfs_mb: int
    modules: tuple[str, ...]

    def digest(self) -> str:
        return hashlib.sha256(repr(self).encode()).hexdigest()[:16]


@dataclass
class Zygote:
    """One running zygote."""

    key: ZygoteKey
    proc: subprocess.Popen[bytes]
    socket: Path
    started: float
    last_used: float = field(default_factory=time.monotonic)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss_kb(self) -> int:
        """Resident size of the zygote's Python (the sandbox's process tree)."""
        return sum(_rss_kb(pid) for pid in _tree(self.proc.pid))

    def python_pid(self) -> int | None:
        pids = _tree(self.proc.pid)
        return pids[-1] if len(pids) > 1 else None

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.socket.unlink(missing_ok=True)
        folder = self.socket.parent
        if folder.parent == Path("/tmp") and folder.name.startswith(SHORT_FOLDER_PREFIX):
            shutil.rmtree(folder, ignore_errors=True)


class Zygotes:
    """The zygotes of this worker process: replaced when dead, stopped when idle, bounded."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[ZygoteKey, Zygote] = {}
        self._failed: dict[ZygoteKey, float] = {}
        self.launches = 0  # Warm starts handed out by this process (tests, bench).

    def get(self, key: ZygoteKey, *, runtime_dir: Path, bwrap: str, limits: ZygoteLimits) -> Zygote:
        """The warm zygote for `key`, started (or replaced) if needed; raises OSError."""
        with self._lock:
            self._stop_idle(limits.idle_seconds)
            zygote = self._running.get(key)
            if zygote is not None and not zygote.alive():
                logger.warning(
                    "zygote %s died (exit %s); replacing it", key.digest(), zygote.proc.returncode
                )
                zygote.stop()
                del self._running[key]
                zygote = None
            if zygote is None:
                failed = self._failed.get(key)
                if failed is not None and time.monotonic() - failed < limits.retry_seconds:
                    raise OSError("this zygote failed to start a moment ago")
                while len(self._running) >= limits.count:
                    oldest = min(self._running.values(), key=lambda z: z.last_used)
                    self._running.pop(oldest.key).stop()
                try:
                    zygote = _start(key, runtime_dir, bwrap)
                except OSError:
                    self._failed[key] = time.monotonic()
                    raise
                if limits.rss_mb and zygote.rss_kb() > limits.rss_mb * 1024:
                    rss = zygote.rss_kb() // 1024
                    zygote.stop()
                    self._failed[key] = time.monotonic()
                    raise OSError(f"the zygote's {rss} MiB exceed CONVEYOR_ZYGOTE_MAX_RSS_MB")
                self._running[key] = zygote
            zygote.last_used = time.monotonic()
            return zygote

    def running(self) -> list[Zygote]:
        with self._lock:
            return list(self._running.values())

    def stop_all(self) -> None:
        with self._lock:
            for zygote in self._running.values():
                zygote.stop()
            self._running.clear()
            self._failed.clear()

    def _stop_idle(self, idle_seconds: float) -> None:
        now = time.monotonic()
        for key, zygote in list(self._running.items()):
            if now - zygote.last_used > idle_seconds:
                self._running.pop(key).stop()


@dataclass(frozen=True)
class ZygoteLimits:
    """count: zygotes per worker process; rss_mb: the most one may hold (0: any);
    idle_seconds: stopped after this long unused; retry_seconds: after a failed start."""

    count: int = 2
    rss_mb: int = 2048
    idle_seconds: float = 600.0
    retry_seconds: float = 30.0


ZYGOTES = Zygotes()
atexit.register(ZYGOTES.stop_all)


# A Unix socket's path holds at most 107 bytes (sun_path, with its NUL).
SOCKET_PATH_MAX = 107
SHORT_FOLDER_PREFIX = "conveyor-zygote-"


def _socket_folder(key: ZygoteKey, runtime_dir: Path) -> Path:
    """The zygote's private folder (0700): its socket and log. Under the runtime folder,
    unless a long CONVEYOR_HOME would make the socket's path too long for a Unix socket;
    then a fresh folder of /tmp (made 0700 by mkdtemp, removed when the zygote stops)."""
    runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = runtime_dir / f"zygote-{key.digest()}-{os.getpid()}"
    if len(os.fsencode(folder / "socket")) <= SOCKET_PATH_MAX:
        folder.mkdir(mode=0o700, exist_ok=True)
        return folder
    return Path(tempfile.mkdtemp(prefix=f"{SHORT_FOLDER_PREFIX}{key.digest()[:12]}-", dir="/tmp"))


def _start(key: ZygoteKey, runtime_dir: Path, bwrap: str) -> Zygote:
    folder = _socket_folder(key, runtime_dir)
    sock = folder / "socket"
    sock.unlink(missing_ok=True)
    mounts = Mounts(
        read_only=tuple(Path(p) for p in key.keep),
        read_write=(folder,),
        etc_dir=Path(key.etc_dir),
        work_dir=folder,
    )
    argv = [bwrap, "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    argv += ["--unshare-cgroup-try", "--hostname", "conveyor-zygote"]
    argv += [] if key.network else ["--unshare-net"]
    argv += [*os_binds(), "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    argv += step_binds(mounts)
    argv += ["--ro-bind", str(SERVER), str(SERVER)]  # The server's own code, no data.
    for top in key.tops:
        argv += ["--perms", "0755", "--dir", top]
    argv += ["--chdir", "/", "--remount-ro", "/", "--cap-drop", "ALL"]
    for cap in ZYGOTE_CAPS:
        argv += ["--cap-add", cap]
    config = {"keep": key.keep, "tops": key.tops, "network": key.network, "tmpfs_mb": key.tmpfs_mb}
    argv += ["--", key.python, str(SERVER), str(sock), json.dumps(config)]
    argv += list(key.modules)
    env = {"PATH": f"{Path(key.python).parent}:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp"}
    with open(folder / "zygote.log", "ab") as log:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
    started = time.monotonic()
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], READY_TIMEOUT)
    line = proc.stdout.readline() if ready else b""
    if line.strip() != b"ready":
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        tail = (folder / "zygote.log").read_bytes()[-500:].decode(errors="replace")
        raise OSError(f"the zygote did not start ({line!r}): {tail}")
    return Zygote(key, proc, sock, started)


def _tree(pid: int) -> list[int]:
    """`pid` (bwrap), its bwrap descendants and the zygote's Python below them, from /proc
    (not the Python's standby children, which share its pages)."""
    pids = [pid]
    while _comm(pids[-1]) == "bwrap":
        try:
            children = Path(f"/proc/{pids[-1]}/task/{pids[-1]}/children").read_text().split()
        except OSError:
            return pids
        if not children:
            return pids
        pids.append(int(children[0]))
    return pids


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rlimits(limits: Limits) -> dict[str, int | None]:
    """The step's limits as setrlimit values (None: unlimited), as the cold `ulimit` sets."""
    mib = 1024 * 1024
    return {
        "RLIMIT_CORE": 0,
        "RLIMIT_AS": limits.memory_mb * mib or None,
        "RLIMIT_NPROC": limits.processes or None,
        "RLIMIT_FSIZE": limits.file_size_mb * mib or None,
        "RLIMIT_CPU": limits.cpu_seconds or None,
    }


@dataclass(frozen=True)
class WarmStep:
    """Everything a warm start of one step needs besides its zygote."""

    command: str
    python: Path
    keep: tuple[Path, ...]
    etc_dir: Path
    zygote_etc_dir: Path
    network: bool
    read_only: tuple[Path, ...]
    read_write: tuple[Path, ...]
    work_dir: Path
    who: Identity
    limits: Limits
    tmpfs_mb: int
    modules: tuple[str, ...]
    env: Mapping[str, str]  # The step's whole environment, as a cold step gets it.


@dataclass(frozen=True)
class Launch:
    """How one step starts: a warm launcher argv (None: the cold sandbox) and its log note."""

    argv: list[str] | None
    note: str
    report: Path | None = None  # Where the warm client writes the step's start latency.

    def record(self, dispatched: float, spawned: float | None) -> dict[str, Any]:
        """The step's `start` field; removes the client's report.

        dispatched: time.monotonic() when the runtime got the step. spawned: when its
        process (bwrap or the warm client) was spawned, None if it never was.
        """
        if self.argv is None:
            start: dict[str, Any] = {"kind": "cold", "latency_ms": _ms(dispatched, spawned)}
            reason = self.note.removeprefix("cold start").removeprefix(": ")
            return {**start, "reason": reason} if reason else start
        latency = None
        if self.report is not None:
            # Missing when the zygote never started the step (its log says why).
            with contextlib.suppress(OSError, ValueError):
                latency = round(float(self.report.read_text()), 1)
            self.report.unlink(missing_ok=True)
        if latency is None:
            return {"kind": "warm", "latency_ms": None, "reason": "the zygote did not start it"}
        return {"kind": "warm", "latency_ms": latency}


def _ms(since: float, moment: float | None) -> float | None:
    return None if moment is None else round((moment - since) * 1000, 1)


_REPORTS = itertools.count(1)


def warm_launcher(
    step: WarmStep, *, runtime_dir: Path, bwrap: str, limits: ZygoteLimits, dispatched: float
) -> Launch:
    """The launch of a warm start, or a cold one saying why (for a root server: its caller,
    `zygote_runtime.warm_or_cold`, says so before any of this work).

    step: the step's paths, identity and limits. runtime_dir: where zygote sockets live.
    bwrap: the bubblewrap binary. limits: the zygote bounds. dispatched: time.monotonic()
    when the runtime got the step (the start latency is counted from it).
    """
    parsed = python_command(step.command)
    if parsed is None:
        return Launch(
            None, "cold start: the command is not `python file.py ...` or `python -m ...`"
        )
    binds = sorted({*step.read_only, *step.read_write}, key=lambda p: len(p.parts))
    if any(top_folder(p) in _OFF_LIMITS or p == Path("/") for p in binds):
        return Launch(None, "cold start: a folder of the step lies in a system folder")
    tops = {top_folder(p) for p in [*binds, *step.keep, runtime_dir]} - {"/tmp"}
    key = ZygoteKey(
        python=str(step.python),
        keep=tuple(str(p) for p in step.keep),
        etc_dir=str(step.zygote_etc_dir),
        network=step.network,
        tops=tuple(sorted(tops)),
        tmpfs_mb=step.tmpfs_mb,
        modules=step.modules,
    )
    try:
        zygote = ZYGOTES.get(key, runtime_dir=runtime_dir, bwrap=bwrap, limits=limits)
    except OSError as exc:
        logger.warning("warm start unavailable: %s", exc)
        return Launch(None, f"cold start: no zygote ({exc})")
    kind, target, args = parsed
    ZYGOTES.launches += 1
    report = runtime_dir / f"start-{os.getpid()}-{next(_REPORTS)}"
    report.unlink(missing_ok=True)  # Left by a crashed process with this pid: not ours.
    request = {
        "kind": kind,
        "target": target,
        "args": args,
        "cwd": str(step.work_dir),
        "uid": step.who.uid,
        "gid": step.who.gid,
        "rlimits": rlimits(step.limits),
        "env": dict(step.env),
        "binds": [str(p) for p in binds] + ["/etc"],
    }
    argv = [sys.executable, "-I", "-S", str(CLIENT), str(zygote.socket), repr(dispatched)]
    argv += [str(report), json.dumps(request), str(len(binds) + 1)]
    for path in binds:  # Each folder as a detached mount, read-only unless an output's.
        argv += ["rw" if path in step.read_write else "ro", str(path)]
    argv += ["ro", str(step.etc_dir)]
    note = f"warm start: forked from zygote {key.digest()} ({len(step.modules)} modules preloaded)"
    return Launch(argv, note, report)
