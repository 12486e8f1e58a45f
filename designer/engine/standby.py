"""Standby sandboxes: bubblewrap started before its step is known (root servers only).

Most of a sandboxed step's start is bubblewrap making namespaces and mounts, and none of
that depends on the step: the namespaces, `/usr`, `/proc`, `/dev`, the private `/tmp` and
`/dev/shm`. So a worker keeps a few sandboxes made ahead, each stopped in
`conveyor-step-drop --standby` (still root, before any step code exists in it). A cold
step takes one: the worker makes its folders (code, environment, inputs, outputs, HOME,
TMPDIR and the generated /etc) into detached mounts (`open_tree`, locked read-only or
nosuid/nodev with `mount_setattr`, as the warm start's client does) and sends them, with
the step's uid, gid, working directory, argv and environment, over a socket pair only this
process holds. The helper moves the mounts in, remounts the root read-only, drops root as
for every step and executes the command. The replacement is made by one spawner thread
while the step runs, so in a chain of steps the next sandbox is ready when it is needed.

What a step sees is the same either way (`bind_plan` decides the binds for both;
`tests/sandbox/test_standby.py` compares the two mount tables). A standby serves exactly
one step and is never reused. It holds no user data and runs no user code until it gets
its step. It is bwrap's child of the spawner thread, which lives as long as the process,
so `--die-with-parent` ends idle standbys with the process.

Pools with devices, servers that are not root, and helpers other than `conveyor-step-drop`
start every step with its own bwrap command line, as before. `CONVEYOR_STANDBY_SANDBOXES`
(2) bounds the idle standbys per kind of sandbox; 0 turns them off.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import socket
import struct
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from designer.engine.runner import spawn_child
from designer.engine.sandbox import Bind, Identity, StepDrop, network_namespace_entered
from designer.engine.sandbox import standby_argv as _argv
from designer.engine.zygote_client import detached_mount

logger = logging.getLogger(__name__)
MOST_MOUNTS = 250  # conveyor-step-drop's STANDBY_MAX_MOUNTS (below the kernel's SCM_MAX_FD).
GIVE_UP_AFTER = 3  # Standbys of one kind that died unused in a row before none are made.


@dataclass(frozen=True)
class StandbyKey:
    """What makes two standby sandboxes interchangeable.

    bwrap, drop: the binaries. network: the pool shares the host's network. tmpfs_mb: the
    size of /tmp and /dev/shm. who: the configured step identity (root server only; the
    uid and gid a step runs as come with its request).
    """

    bwrap: str
    drop: str
    network: bool
    tmpfs_mb: int
    who: Identity


class NetworkLease:
    """A standby's network namespace (fd None: the host's, or bwrap made one). keep: the
    step ended by itself, so the namespace may be handed on (see runtime._NetSlots)."""

    def __init__(self, fd: int | None, release: Callable[[NetworkLease], None]) -> None:
        self.fd = fd
        self.keep = False
        self._release = release

    def release(self) -> None:
        release, self._release = self._release, lambda _lease: None
        release(self)


class Standby:
    """One sandbox waiting for its step."""

    def __init__(
        self,
        key: StandbyKey,
        proc: subprocess.Popen[bytes],
        sock: socket.socket,
        lease: NetworkLease,
    ) -> None:
        self.key = key
        self.proc = proc
        self.sock = sock
        self.network = lease

    def alive(self) -> bool:
        return self.proc.poll() is None

    def start(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        etc_dir: Path,
        binds: Sequence[Bind],
        who: Identity,
    ) -> subprocess.Popen[bytes]:
        """Hand the step to the sandbox; returns its process (bwrap, a process group
        leader with the step's stdout and stderr pipes), for the runner to supervise.

        argv: the command (`/bin/bash -c ...`). cwd: the step's working directory.
        env: its whole environment. etc_dir: its generated /etc. binds: its folders
        (`bind_plan`). who: its uid and gid. Raises OSError if the sandbox cannot take it
        (then nothing of the step ran and the caller starts it another way).
        """
        mounts = [(str(etc_dir), "/etc", True)]
        mounts += [(bind.path, bind.path, bind.read_only) for bind in binds]
        fields = [str(who.uid), str(who.gid), str(cwd), *(target for _, target, _ in mounts)]
        fields += [str(len(argv)), *argv, *(f"{name}={value}" for name, value in env.items())]
        fds: list[int] = []
        try:
            if len(mounts) > MOST_MOUNTS:
                raise OSError(f"{len(mounts)} folders are more than a standby takes")
            if any("\0" in item for item in fields):
                raise ValueError("embedded null byte")  # As Popen says for its own argv.
            payload = b"".join(os.fsencode(item) + b"\0" for item in fields)
            for source, _target, read_only in mounts:
                fds.append(detached_mount(source, read_only))
            rights = (socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack(f"{len(fds)}i", *fds))
            self.sock.sendmsg([struct.pack("!II", len(payload), len(fds))], [rights])
            self.sock.sendall(payload)
        except BaseException:
            self.discard()
            raise
        finally:
            for fd in fds:
                os.close(fd)
            self.sock.close()
        return self.proc

    def discard(self) -> None:
        """End an unused (or failed) standby: closing its socket ends the helper."""
        self.sock.close()
        with contextlib.suppress(OSError):
            os.killpg(self.proc.pid, 9)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        self.network.release()  # keep stays False: a killed sandbox's namespace is closed.


Maker = Callable[[StandbyKey], Standby]
Verifier = Callable[[StandbyKey], "str | None"]


class Standbys:
    """The idle standbys of this process, per kind, and the thread that makes them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[StandbyKey, list[Standby]] = {}
        self._died: dict[StandbyKey, int] = {}
        self._verified: set[StandbyKey] = set()
        self._wanted: queue.SimpleQueue[tuple[StandbyKey, Maker, Verifier, int]] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None
        self.made = 0
        self.taken = 0
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        """In a forked child: the standbys are the parent's (not its children), so they
        are left alone; the child makes its own."""
        self._lock = threading.Lock()
        self._idle = {}
        self._died = {}
        self._verified = set()
        self._wanted = queue.SimpleQueue()
        self._thread = None

    def take(self, key: StandbyKey) -> Standby | None:
        """An idle standby of this kind (it may still be making its namespaces: the helper
        reads the request when it is ready), or None."""
        dead: list[Standby] = []
        found = None
        with self._lock:
            idle = self._idle.get(key, [])
            while idle:
                standby = idle.pop(0)
                if standby.alive():
                    found = standby
                    self.taken += 1
                    break
                dead.append(standby)
            if dead:
                self._died[key] = self._died.get(key, 0) + len(dead)
        for standby in dead:
            logger.warning(
                "a standby sandbox ended before its step (exit %s)", standby.proc.returncode
            )
            standby.discard()
        return found

    def refill(self, key: StandbyKey, make: Maker, verify: Verifier, most: int) -> None:
        """Ask the spawner thread for one more standby of this kind, up to `most` idle.

        make: starts one. verify: runs a check step in a new one before the first of its
        kind is offered; a reason it returns turns that kind off for this process.
        """
        if most <= 0 or self._died.get(key, 0) >= GIVE_UP_AFTER:
            return
        with self._lock:
            if len(self._idle.get(key, ())) >= most:
                return
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._spawner, name="conveyor-standby", daemon=True
                )
                self._thread.start()
        self._wanted.put((key, make, verify, most))

    def stop(self) -> None:
        """Discard every idle standby (they end with this process anyway)."""
        with self._lock:
            idle = [standby for standbys in self._idle.values() for standby in standbys]
            self._idle.clear()
            self._died.clear()
            self._verified.clear()
        for standby in idle:
            standby.discard()

    def idle(self) -> int:
        with self._lock:
            return sum(len(standbys) for standbys in self._idle.values())

    def _spawner(self) -> None:
        while True:
            key, make, verify, most = self._wanted.get()
            with self._lock:
                if len(self._idle.get(key, ())) >= most or self._died.get(key, 0) >= GIVE_UP_AFTER:
                    continue
            try:
                if key not in self._verified:
                    reason = verify(key)
                    if reason is not None:
                        logger.warning("steps start without standby sandboxes: %s", reason)
                        with self._lock:
                            self._died[key] = GIVE_UP_AFTER
                        continue
                    self._verified.add(key)
                standby = make(key)
            except Exception:  # Steps start with their own bwrap; say why once per kind.
                logger.warning("no standby sandbox could be made", exc_info=True)
                with self._lock:
                    self._died[key] = GIVE_UP_AFTER
                continue
            with self._lock:
                self._idle.setdefault(key, []).append(standby)
                self.made += 1


def spawn(key: StandbyKey, drop: StepDrop, lease: NetworkLease) -> Standby:
    """Start one standby sandbox of `key` (in `lease`'s network namespace when it has one).

    drop: the open `conveyor-step-drop`, which bwrap executes. Raises OSError.
    """
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        argv = _argv(
            key.bwrap,
            key.who,
            network=key.network or lease.fd is not None,
            tmpfs_mb=key.tmpfs_mb,
            drop=drop,
            sock=theirs.fileno(),
        )
        entered: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
        if lease.fd is not None:
            entered = network_namespace_entered(lease.fd)
        with entered:  # A session of its own; the step's environment comes with its request.
            proc = spawn_child(argv, Path("/"), {}, (drop.fd, theirs.fileno()))
    except BaseException:
        mine.close()
        lease.release()
        raise
    finally:
        theirs.close()
    return Standby(key, proc, mine, lease)


STANDBYS = Standbys()
