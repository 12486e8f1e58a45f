"""The bubblewrap sandbox of a step: its command line, its limits, its probe (pure: stdlib only).

A step sees only what `SECURITY.md` lists: its code, environment and inputs read-only; its
outputs, HOME and TMPDIR read-write; a private `/tmp` and `/dev/shm`; a minimal `/dev`; a
fresh `/proc` of its own PID namespace; `/usr` and a short list of `/etc` files read-only
(never `/etc` wholesale: no shadow, no private keys). Its own mount, PID, IPC, UTS and
cgroup namespaces; its own network namespace (loopback only) unless its pool allows the
network.

Two ways to start it, chosen by the server's uid:

- **root** (`privileged`): bwrap runs as root without a user namespace, so it can bind
  folders under the owner-only `CONVEYOR_HOME`; inside, `conveyor-step-drop`
  (`step_drop.c`, built by `make install`; util-linux's `setpriv` when it is not built)
  switches to the step uid/gid, clears the supplementary groups, drops every capability
  (also from the bounding set), sets no_new_privs and leaves only descriptors 0-2 open
  before bash starts. The helper is not mounted: bwrap executes it as `/proc/self/fd/N`
  from a descriptor the worker passes it (`StepDrop`). The step runs on the host as that
  unprivileged uid, so even a bound root-owned 0600 file stays unreadable. (bwrap 0.8's
  `--bind-fd` resolves the path behind the descriptor again, so handing an unprivileged
  bwrap open folders does not get past a 0700 parent.)
- **not root**: bwrap runs as the server's user with its own user namespace (the step
  keeps the server's uid, mapped) and `--disable-userns`.

Under root a cold step usually starts in a sandbox made before it was known
(`designer.engine.standby`, `standby_argv`): the same binds from the same plan
(`bind_plan`), handed over as detached mounts to `conveyor-step-drop --standby`.

Limits are set by the step's own shell before the command's first word runs
(`ulimit -HS`, hard and soft, so the command cannot raise them): address space
(RLIMIT_AS), processes (RLIMIT_NPROC), file size (RLIMIT_FSIZE), CPU time (RLIMIT_CPU),
and no core files. No extra process is started for them.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import os
import shutil
import socket
import struct
import subprocess
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

SETPRIV = "/usr/bin/setpriv"
LIMIT_NAMES = ("memory_mb", "processes", "file_size_mb", "cpu_seconds")
# /etc entries a program may need, copied (symlinks kept as links) into a generated /etc
# once per process; missing ones are skipped. Never /etc as a whole. One bind of that
# folder costs a fraction of binding each entry (two mount calls apiece).
ETC_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/ssl/certs",
    "/etc/ssl/openssl.cnf",
    "/etc/ca-certificates",
    "/etc/ca-certificates.conf",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/nsswitch.conf",
    "/etc/host.conf",
    "/etc/hosts",
    "/etc/protocols",
    "/etc/services",
    "/etc/mime.types",
    "/etc/os-release",
    "/etc/debian_version",
    "/etc/locale.alias",
    "/etc/fonts",
)
NETWORK_ETC_FILES = ("/etc/resolv.conf", "/etc/gai.conf")
_SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_SYSTEM_ROOTS = ("/usr", "/etc")
PROBE_TIMEOUT = 15.0


@dataclass(frozen=True)
class Limits:
    """Resource limits of one step; 0 means no limit.

    memory_mb: address space (RLIMIT_AS) of each process, MiB.
    processes: processes and threads of the step's uid (RLIMIT_NPROC).
    file_size_mb: largest file the step may write (RLIMIT_FSIZE), MiB.
    cpu_seconds: CPU time of each process (RLIMIT_CPU).
    """

    memory_mb: int = 0
    processes: int = 0
    file_size_mb: int = 0
    cpu_seconds: int = 0

    def shell_prefix(self) -> str:
        """The `ulimit` line the step's bash runs before the command (hard and soft)."""

        def value(number: int, scale: int = 1) -> str:
            return str(number * scale) if number > 0 else "unlimited"

        return (
            f"ulimit -HS -c 0 -v {value(self.memory_mb, 1024)} -u {value(self.processes)}"
            f" -f {value(self.file_size_mb, 1024)} -t {value(self.cpu_seconds)}"
            " || exit 125\n"
        )

    def describe(self) -> str:
        parts = [
            f"memory {self.memory_mb} MiB" if self.memory_mb else "memory unlimited",
            f"processes {self.processes}" if self.processes else "processes unlimited",
            f"file size {self.file_size_mb} MiB" if self.file_size_mb else "file size unlimited",
            f"CPU {self.cpu_seconds} s" if self.cpu_seconds else "CPU unlimited",
        ]
        return ", ".join(parts)


@dataclass(frozen=True)
class PoolPolicy:
    """What a compute pool's steps may use.

    name: the pool. network: share the host's network (else loopback only).
    limits: the default limits of its steps. ceiling: the most a node may ask for.
    devices: (host path, sandbox path) device nodes bound into the sandbox (GPUs).
    gpus: one `CUDA_VISIBLE_DEVICES` value per slot; each running step takes one.
    """

    name: str
    network: bool = False
    limits: Limits = field(default_factory=Limits)
    ceiling: Limits = field(default_factory=Limits)
    devices: tuple[tuple[str, str], ...] = ()
    gpus: tuple[str, ...] = ()

    def limits_for(self, requested: Mapping[str, object] | None) -> tuple[Limits, list[str]]:
        """The pool's limits with a node's overrides applied, capped at the ceiling.

        requested: the node's `settings.limits` ({name: positive int}); unknown names and
            values that are not positive integers are ignored with a note.
        Returns the limits and the notes for the step log.
        """
        limits, notes = self.limits, []
        for name, wanted in (requested or {}).items():
            if name not in LIMIT_NAMES or isinstance(wanted, bool) or not isinstance(wanted, int):
                notes.append(f"limit {name}={wanted!r} ignored: not a known limit or integer")
                continue
            ceiling = getattr(self.ceiling, name)
            value = wanted
            if wanted <= 0 or (ceiling and wanted > ceiling):
                value = ceiling
                notes.append(
                    f"limit {name}={wanted} is above the pool {self.name!r} ceiling; "
                    f"using {ceiling or 'unlimited'}"
                )
            limits = replace(limits, **{name: value})
        return limits, notes


def parse_devices(items: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """`/dev/nvidia0` or `host:sandbox` items -> (host, sandbox) pairs of absolute paths."""
    pairs = []
    for item in items:
        host, _, inside = item.partition(":")
        inside = inside or host
        if not (host.startswith("/") and inside.startswith("/dev/")):
            raise ValueError(f"device {item!r}: write an absolute host path[:/dev/name]")
        pairs.append((host, inside))
    return tuple(pairs)


@dataclass(frozen=True)
class Mounts:
    """What one step sees besides the OS: host paths bound at the same place.

    read_only: code, environment and inputs. read_write: outputs, HOME, TMPDIR.
    etc_dir: the generated /etc (see `etc_write`), bound read-only at /etc.
    devices: (host, sandbox) device nodes. work_dir: the step's working directory.
    """

    read_only: tuple[Path, ...]
    read_write: tuple[Path, ...]
    etc_dir: Path
    work_dir: Path
    devices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Identity:
    """Who the step runs as. privileged: the server is root (see the module doc)."""

    uid: int
    gid: int
    privileged: bool


def identity(step_uid: int, step_gid: int) -> Identity:
    """The step's identity: the configured uid when the server is root, else the server's."""
    if os.geteuid() == 0:
        return Identity(step_uid, step_gid, privileged=True)
    return Identity(os.getuid(), os.getgid(), privileged=False)


class StepDrop:
    """The `conveyor-step-drop` helper of a root server, open for bwrap to execute.

    path: the built helper. Its descriptor is opened once per process (close-on-exec: only
    a child started with `pass_fds=(drop.fd,)` gets it) and stays open; bwrap, already in
    the step's mount namespace, executes it as `/proc/self/fd/N`, so it needs no mount.
    Raises OSError when the file is missing or not executable.
    """

    def __init__(self, path: str) -> None:
        if not os.path.isfile(path) or not os.access(path, os.X_OK):
            raise FileNotFoundError(errno.ENOENT, "no executable conveyor-step-drop", path)
        self.path = path
        self.fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)

    @property
    def exec_path(self) -> str:
        return f"/proc/self/fd/{self.fd}"


def bwrap_argv(
    bwrap: str,
    mounts: Mounts | None,
    who: Identity,
    *,
    network: bool = False,
    tmpfs_mb: int = 1024,
    own_network: bool = False,
    drop: StepDrop | None = None,
) -> list[str]:
    """The command line that starts `/bin/bash -c ...` inside the sandbox.

    bwrap: the bubblewrap binary. mounts: the step's paths (None: the OS only, as the
    probe uses). who: see `identity`. network: share the host's network.
    tmpfs_mb: size of the private /tmp and /dev/shm.
    own_network: bwrap is started in the step's own network namespace already (see
        `network_namespace_new`), so it makes none.
    drop: under root, the helper that drops root (start bwrap with `pass_fds=(drop.fd,)`);
        None: `setpriv`.
    """
    argv = list(_head(bwrap, who, network or own_network, tmpfs_mb))
    if mounts is not None:
        argv += step_binds(mounts)
        argv += ["--chdir", str(mounts.work_dir)]
    argv += _tail(who, drop.exec_path if drop is not None else None)
    return argv


def standby_argv(
    bwrap: str, who: Identity, *, network: bool, tmpfs_mb: int, drop: StepDrop, sock: int
) -> list[str]:
    """The command line of a standby sandbox (`designer.engine.standby`): every step's part
    of the sandbox (namespaces, the OS, /proc, /dev, the private tmpfs mounts) without the
    step's own binds, its working directory and the read-only root, which the helper adds
    once it gets the step (`conveyor-step-drop --standby`). Root servers only.

    network: keep the network namespace bwrap is started in (the host's for a pool with
    network, else a pooled one); sock: the helper's end of the request socket.
    """
    if not who.privileged:
        raise ValueError("standby sandboxes need a server running as root")
    head = _head(bwrap, who, network, tmpfs_mb)
    return [*head, "--", drop.exec_path, "--standby", str(sock)]


@functools.lru_cache(maxsize=32)
def _head(bwrap: str, who: Identity, network: bool, tmpfs_mb: int) -> tuple[str, ...]:
    """What every step's command line starts with (computed once per process and kind).

    network: keep the network namespace bwrap is started in (no `--unshare-net`).
    """
    argv = [bwrap, "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    argv += ["--unshare-cgroup-try", "--hostname", "conveyor-step"]
    if not network:
        argv.append("--unshare-net")
    if not who.privileged:
        argv += ["--unshare-user", "--disable-userns", "--uid", str(who.uid), "--gid", str(who.gid)]
    argv += os_binds()
    size = str(tmpfs_mb * 1024 * 1024)
    argv += ["--proc", "/proc", "--dev", "/dev"]
    # Private tmpfs mounts inside the sandbox, not the host's shared folders.
    argv += ["--perms", "1777", "--size", size, "--tmpfs", "/tmp"]  # noqa: S108
    argv += ["--perms", "1777", "--size", size, "--tmpfs", "/dev/shm"]  # noqa: S108
    return tuple(argv)


@functools.lru_cache(maxsize=8)
def _tail(who: Identity, drop: str | None) -> tuple[str, ...]:
    argv = ["--remount-ro", "/", "--"]
    if who.privileged and drop is not None:
        argv += [drop, str(who.uid), str(who.gid), "--"]
    elif who.privileged:
        argv += [SETPRIV, f"--reuid={who.uid}", f"--regid={who.gid}", "--clear-groups"]
        argv += ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    return tuple(argv)


def os_binds() -> list[str]:
    argv = ["--ro-bind", "/usr", "/usr"]
    for link in _SYSTEM_LINKS:
        if os.path.islink(link):
            argv += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            argv += ["--ro-bind", link, link]
    return argv


@dataclass(frozen=True)
class Bind:
    """One host folder bound at the same path inside the sandbox."""

    path: str
    read_only: bool


def bind_plan(mounts: Mounts) -> tuple[list[str], list[Bind]]:
    """The step's folders as the sandbox mounts them: the parent folders to make (0755)
    and the binds, parents first (a bind inside another is mounted after it). Both ways of
    starting a step use it: bwrap's command line (`step_binds`) and a standby sandbox
    (`designer.engine.standby`). /etc and devices are not part of it.

    Plain string work on the already absolute, normalised paths: this runs once per step.
    """
    binds = [Bind(p, True) for p in _outermost([str(p) for p in mounts.read_only])]
    binds += [Bind(str(p), False) for p in mounts.read_write]
    binds = [bind for bind in binds if not _under_system(bind.path)]
    binds.sort(key=lambda bind: bind.path.count("/"))
    targets = [bind.path for bind in binds]
    parents: dict[str, None] = {}
    for bind in binds:
        parent = ""
        for part in bind.path.split("/")[1:-1]:
            parent += "/" + part
            if parent in parents or _under_system(parent):
                continue
            if not any(_within(parent, target) for target in targets):
                parents[parent] = None
    return list(parents), binds


def step_binds(mounts: Mounts) -> list[str]:
    """bwrap's arguments for the step's binds (see `bind_plan`)."""
    argv = ["--ro-bind", str(mounts.etc_dir), "/etc"]
    for host, inside in mounts.devices:
        argv += ["--dev-bind", host, inside]
    parents, binds = bind_plan(mounts)
    for parent in parents:
        # bwrap would copy the host folder's mode (0700 for CONVEYOR_HOME): the step could
        # not reach its own files below it.
        argv += ["--perms", "0755", "--dir", parent]
    for bind in binds:
        argv += ["--ro-bind" if bind.read_only else "--bind", bind.path, bind.path]
    return argv


def _within(path: str, root: str) -> bool:
    """Whether `path` is `root` or lies below it (both absolute and normalised)."""
    return path == root or root == "/" or path.startswith(root + "/")


def _outermost(paths: Sequence[str]) -> list[str]:
    """Drop read-only paths that lie inside another read-only path."""
    unique = sorted(set(paths), key=lambda p: p.count("/"))
    kept: list[str] = []
    for path in unique:
        if not any(_within(path, k) for k in kept):
            kept.append(path)
    return kept


def _under_system(path: str) -> bool:
    return any(_within(path, root) for root in _SYSTEM_ROOTS)


CLONE_NEWNET = 0x40000000
_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1
_IFREQ = "16sh22x"  # struct ifreq: the name, then ifr_flags in the 24-byte union.


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc().setns(fd, CLONE_NEWNET) != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"setns(CLONE_NEWNET): {os.strerror(number)}")


def network_namespace_new() -> int:
    """A new network namespace whose only interface is the loopback, up; returns an open
    descriptor of it (close-on-exec), which keeps it alive.

    It is made in a short-lived thread, since `unshare(CLONE_NEWNET)` moves only the
    calling thread: no thread of the server changes namespace here. Needs CAP_SYS_ADMIN
    (a server running as root); raises OSError otherwise.
    """
    made: dict[str, Any] = {}

    def make() -> None:
        try:
            if _libc().unshare(CLONE_NEWNET) != 0:
                number = ctypes.get_errno()
                raise OSError(number, f"unshare(CLONE_NEWNET): {os.strerror(number)}")
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                asked = fcntl.ioctl(sock, _SIOCGIFFLAGS, struct.pack(_IFREQ, b"lo", 0))
                flags = struct.unpack(_IFREQ, asked)[1] | _IFF_UP
                fcntl.ioctl(sock, _SIOCSIFFLAGS, struct.pack(_IFREQ, b"lo", flags))
            made["fd"] = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        except BaseException as exc:  # Re-raised in the calling thread.
            made["error"] = exc

    thread = threading.Thread(target=make, name="conveyor-netns", daemon=True)
    thread.start()
    thread.join()
    if "error" in made:
        raise made["error"]
    return int(made["fd"])


@contextlib.contextmanager
def network_namespace_entered(fd: int) -> Iterator[None]:
    """Put this thread (only) in the network namespace `fd` for the block, so that a child
    started in it is born there; the thread is back in its own namespace afterwards."""
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        _setns(fd)
        try:
            yield
        finally:
            _setns(home)
    finally:
        os.close(home)


def etc_write(folder: Path, who: Identity, *, network: bool) -> Path:
    """Fill `folder` with the step's /etc: the ETC_FILES entries (plus DNS files for a
    network pool) and `passwd` and `group` naming only root and the step's user.

    folder: an empty folder (made 0755; the files are public facts, 0644).
    who: the step's identity. network: add resolv.conf and gai.conf.
    """
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    for source in ETC_FILES + (NETWORK_ETC_FILES if network else ()):
        target = folder / Path(source).relative_to("/etc")
        target.parent.mkdir(parents=True, exist_ok=True)
        if os.path.islink(source) and not os.path.isdir(source):
            target.symlink_to(os.readlink(source))
        elif os.path.isdir(source):
            shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
        elif os.path.isfile(source):
            shutil.copy2(source, target)
    user = f"conveyor:x:{who.uid}:{who.gid}:Conveyor step:/nonexistent:/usr/sbin/nologin\n"
    passwd = "root:x:0:0:root:/root:/usr/sbin/nologin\n" + (user if who.uid != 0 else "")
    group = "root:x:0:\n" + (f"conveyor:x:{who.gid}:\n" if who.gid != 0 else "")
    for name, text in (("passwd", passwd), ("group", group)):
        (folder / name).write_text(text)
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


@dataclass(frozen=True)
class SandboxStatus:
    """Whether steps can be sandboxed here, and why not."""

    available: bool
    reason: str
    mode: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"available": self.available, "reason": self.reason, "mode": self.mode}


# What the probe's step checks: its uid; under root also its gid, no capability left in any
# set, no_new_privs.
_PROBE_UID = 'test "$(id -u)" = {uid}'
_PROBE_DROPPED = (
    ' && test "$(id -g)" = {gid} && test "$(grep -c -E '
    "'^(Cap(Inh|Prm|Eff|Bnd|Amb):\\s+0+|NoNewPrivs:\\s+1)$' /proc/self/status)\" = 6"
)


def probe_check(who: Identity) -> str:
    """The shell test the probe runs inside: the uid, and under root the gid, every
    capability set empty and no_new_privs."""
    check = _PROBE_UID.format(uid=who.uid)
    if who.privileged:
        check += _PROBE_DROPPED.format(gid=who.gid)
    return check


def sandbox_probe(bwrap: str, who: Identity, drop: StepDrop | None = None) -> SandboxStatus:
    """Start an empty sandbox once: is bubblewrap there, and does it work here?

    bwrap: the bubblewrap binary. who: the identity steps would run as.
    drop: under root, the helper steps drop root with (None: setpriv).
    """
    if not os.path.isfile(bwrap) or not os.access(bwrap, os.X_OK):
        return SandboxStatus(False, f"bubblewrap not found at {bwrap} (apt-get install bubblewrap)")
    if who.privileged and drop is None and not os.access(SETPRIV, os.X_OK):
        return SandboxStatus(False, f"{SETPRIV} not found (util-linux) to drop root in steps")
    check = probe_check(who)
    argv = [*bwrap_argv(bwrap, None, who, drop=drop), "/bin/bash", "-c", check]
    try:
        done = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=PROBE_TIMEOUT,
            env={"PATH": "/usr/bin:/bin"},
            check=False,
            pass_fds=(drop.fd,) if drop is not None else (),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return SandboxStatus(False, f"bubblewrap could not start: {exc}")
    if done.returncode != 0:
        wanted = f"uid {who.uid}"
        if who.privileged:
            wanted += f", gid {who.gid}, no capabilities and no_new_privs"
        detail = done.stderr.decode("utf-8", "replace").strip()
        detail = (
            detail or f"its check that it runs as {wanted} failed (exit code {done.returncode})"
        )
        return SandboxStatus(False, f"bubblewrap failed to start a sandbox: {detail}")
    mode = (
        f"root starts bubblewrap; steps run as uid {who.uid}, gid {who.gid}"
        f" (root dropped by {'conveyor-step-drop' if drop is not None else 'setpriv'})"
        if who.privileged
        else f"user namespace; steps run as the server's uid {who.uid}"
    )
    return SandboxStatus(True, "", mode)
