"""The warm zygote: runs inside a bubblewrap sandbox that holds no user data (stdlib only).

Started by `designer.engine.zygote` as `python zygote_server.py SOCKET CONFIG MODULE...`
with root's uid but only the capabilities it needs (SYS_ADMIN, SETUID, SETGID, SETPCAP),
the OS, the environment and a private /tmp. It imports MODULE... once (BLAS/OpenMP held
to one thread first, so that no thread exists at fork), then keeps STANDBY supervisors
ready on SOCKET, each waiting for one step. CONFIG (JSON) holds what every step of this
zygote shares: `keep` (the environment's paths), `tops`, `network`, `tmpfs_mb`.

A standby is set up before any request, so that a step's start costs no fork:

- A: new session; its own mount, PID, IPC, UTS, cgroup (and, without network, net)
  namespaces; a fresh tmpfs on /tmp, /dev/shm and each top-level folder the binds need;
  forks B; then accepts one connection. A request is one JSON spec plus descriptors
  (SCM_RIGHTS): stdout, stderr, then one detached mount (open_tree) per bind, made by
  the host-side client. A moves the binds in at their host paths, hands the spec to B and
  C, and relays: a "TERM" line from the client becomes SIGTERM to B, the client's end of
  the connection closing becomes SIGKILL.
- B: PID 1 of the new namespace: a fresh /proc, the hostname; forks C; on the spec, the
  limits, no groups, the step's uid/gid, no capabilities (also the bounding set),
  no_new_privs; forwards signals to C; when C ends, B ends, and the kernel kills what C
  left behind. If A goes away first, B and C end.
- C: on the spec, the same privilege drop as B, then the step: its stdio, environment,
  cwd and argv, fresh random seeds, then the script (`runpy`), as `python file.py` or
  `python -m module` would.

This file must run on every Python an environment may have (3.8+): no newer syntax.
"""

# ruff: noqa: S108  (every /tmp here is a private tmpfs inside the step's namespace)
from __future__ import annotations

import array
import contextlib
import ctypes
import json
import os
import resource
import select
import signal
import socket
import struct
import sys
import time
import traceback

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REC = 0x4000
MS_PRIVATE = 0x40000
SYS_OPEN_TREE = 428
SYS_MOVE_MOUNT = 429
OPEN_TREE_CLONE = 1
OPEN_TREE_CLOEXEC = 0o2000000
AT_RECURSIVE = 0x8000
MOVE_MOUNT_F_EMPTY_PATH = 4
AT_FDCWD = -100
PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
LAST_CAP = 63
MAX_SPEC = 1024 * 1024
MAX_FDS = 250
REFUSED = 125
STANDBY = 2  # Supervisors kept ready: steps arriving together need not wait for a fork.
# What every step of this zygote shares (see the module doc), set by `main`.
CONFIG: dict = {}

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source, target, fstype, flags, data=None) -> None:
    def enc(v):
        return None if v is None else v.encode()

    _check(_libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


def threads() -> int:
    """Threads of this process (the kernel's count, not only Python's)."""
    return len(os.listdir("/proc/self/task"))


def preload(modules) -> list:
    """Import `modules` (one BLAS/OpenMP thread); returns [(module, error)] of failures."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    # pyarrow (imported by pandas) starts a jemalloc background thread otherwise.
    os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "system"
    os.environ["JE_ARROW_MALLOC_CONF"] = "background_thread:false"
    failed = []
    for module in modules:
        try:
            __import__(module)
        except Exception as exc:  # A missing optional module only costs warmth.
            failed.append((module, repr(exc)))
    import gc

    gc.collect()
    if hasattr(gc, "freeze"):
        gc.freeze()  # Keeps the collector from touching (copying) the shared pages.
    return failed


def serve(path: str) -> None:
    """Keep STANDBY supervisors waiting on `path`; fork a new one when one takes a step."""
    signal.signal(signal.SIGCHLD, lambda *_: _reap())
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(16)
    print("ready", flush=True)
    waiting: dict = {}  # read end of a standby's pipe -> its pid
    while True:
        while len(waiting) < STANDBY:
            if threading_count() > 1:  # Never fork a threaded process; the runtime replaces us.
                print("refused: the zygote has more than one thread", file=sys.stderr)
                sys.exit(REFUSED)
            taken, tell = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(taken)
                for fd in waiting:
                    os.close(fd)
                _standby(listener, tell)
            os.close(tell)
            waiting[taken] = pid
        ready, _, _ = select.select(list(waiting), [], [])
        for fd in ready:
            took = os.read(fd, 1)
            os.close(fd)
            del waiting[fd]
            if not took:  # It died before taking a step (its error is in the log).
                time.sleep(0.5)


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _receive(conn: socket.socket):
    size = struct.unpack("!I", _read_exact(conn, 4))[0]
    if size > MAX_SPEC:
        raise ValueError("spec too large")
    fds = array.array("i")
    data = b""
    while len(data) < size:
        chunk, ancillary, _, _ = conn.recvmsg(
            size - len(data), socket.CMSG_SPACE(MAX_FDS * fds.itemsize)
        )
        if not chunk:
            raise EOFError("client went away")
        data += chunk
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                usable = len(payload) - len(payload) % fds.itemsize
                fds.frombytes(payload[:usable])
    return json.loads(data), list(fds)


def _send(conn: socket.socket, spec: dict, fds: list) -> None:
    data = json.dumps(spec).encode()
    conn.sendall(struct.pack("!I", len(data)))
    conn.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])


def _read_exact(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise EOFError("client went away")
        data += chunk
    return data


def threading_count() -> int:
    """The larger of Python's and the kernel's thread count."""
    import threading

    return max(threading.active_count(), threads())


def _standby(listener: socket.socket, tell: int) -> None:
    """A: the namespaces and mounts every step of this zygote gets, B and C waiting, then
    one step; never returns."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        _namespaces()
        to_b, b_end = socket.socketpair()
        to_c, c_end = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            for item in (listener, to_b, to_c):
                item.close()
            os.close(tell)
            _init(b_end, c_end)
        b_end.close()
        c_end.close()
        conn, _ = listener.accept()
        os.write(tell, b"1")  # The zygote forks the next standby meanwhile.
        os.close(tell)
        listener.close()
        _take(conn, pid, to_b, to_c)
    except BaseException:
        traceback.print_exc()
    os._exit(REFUSED)  # B sees A go (PDEATHSIG); C ends with its namespace.


def _namespaces() -> None:
    """Unshare the step's namespaces; fresh tmpfs on /tmp, /dev/shm and the tops."""
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP
    if not CONFIG["network"]:
        flags |= CLONE_NEWNET
    _check(_libc.unshare(flags), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    size = f"size={int(CONFIG['tmpfs_mb']) * 1024 * 1024}"
    _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, size + ",mode=1777")
    # The environment may live under a folder that is covered next: keep it.
    tops = ["/tmp", *CONFIG["tops"]]
    kept = [(_clone(p), p) for p in CONFIG["keep"] if _under_any(p, tops)]
    for top in tops:  # A private /tmp; fresh folders to bind into (hiding the socket).
        options = size + ",mode=1777" if top == "/tmp" else "size=1m,mode=0755"
        _mount("tmpfs", top, "tmpfs", MS_NOSUID | MS_NODEV, options)
    for fd, path in kept:
        _bind(fd, path)
        os.close(fd)


def _take(conn: socket.socket, pid: int, to_b: socket.socket, to_c: socket.socket) -> None:
    """A with a connection: check it, bind the step's folders, hand the step to B and C."""
    # Only the host's root (the runtime's client) may ask; never a step.
    uid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[1]
    if uid != 0:
        return
    spec, fds = _receive(conn)
    try:
        if int(spec["uid"]) == 0 or int(spec["gid"]) == 0 or len(fds) != 2 + len(spec["binds"]):
            conn.sendall(b"refused: a step never runs as root\n")
            return
        for index, target in enumerate(spec["binds"]):
            _bind(fds[2 + index], target)
        _send(to_c, spec, fds[:2])
        _send(to_b, {k: spec[k] for k in ("uid", "gid", "rlimits")}, [])
    finally:
        for fd in fds:
            os.close(fd)
    conn.sendall(b"started\n")
    _relay(conn, pid)


def _clone(path: str) -> int:
    flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE
    fd = _libc.syscall(SYS_OPEN_TREE, AT_FDCWD, path.encode(), flags)
    if fd < 0:
        _check(-1, "open_tree " + path)
    return int(fd)


def _under_any(path: str, tops: list) -> bool:
    return any(path == top or path.startswith(top.rstrip("/") + "/") for top in tops)


def _bind(fd: int, target: str) -> None:
    import stat

    if not os.path.exists(target):
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            os.mkdir(target, 0o755)
        else:
            os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
    result = _libc.syscall(
        SYS_MOVE_MOUNT, fd, b"", AT_FDCWD, target.encode(), MOVE_MOUNT_F_EMPTY_PATH
    )
    _check(result, f"move_mount {target}")


def _relay(conn: socket.socket, pid: int) -> None:
    pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
    watched: list = [conn] if pidfd is None else [conn, pidfd]
    status = None
    while status is None:
        ready, _, _ = select.select(watched, [], [], 0.05 if pidfd is None else None)
        if conn in ready:
            line = conn.recv(64)
            os.kill(pid, signal.SIGTERM if line.startswith(b"TERM") else signal.SIGKILL)
        done, raw = os.waitpid(pid, os.WNOHANG)
        if done:
            status = raw
    code = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status
    with contextlib.suppress(OSError):
        conn.sendall(b"exit %d\n" % code)


def _init(to_a: socket.socket, c_end: socket.socket) -> None:
    """B: PID 1 of the step's namespace; starts C, then drops every privilege; never returns."""
    try:
        _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl pdeathsig")
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV)
        socket.sethostname("conveyor-step")
        child = os.fork()
        if child == 0:
            to_a.close()
            _step(c_end)
        c_end.close()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, lambda number, _frame: os.kill(child, number))
        spec, _ = _receive(to_a)  # EOFError: A went away before a step.
        _drop(spec)
    except BaseException:
        traceback.print_exc()
        os._exit(REFUSED)
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(REFUSED)
        if pid == child:
            os._exit(_exit_code(status))


def _drop(spec: dict) -> None:
    """The step's limits, then its uid/gid with no groups, capabilities or new privileges."""
    for name, value in spec["rlimits"].items():
        limit = resource.RLIM_INFINITY if value is None else value
        resource.setrlimit(getattr(resource, name), (limit, limit))
    os.setgroups([])
    for cap in range(LAST_CAP + 1):
        _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)  # Unknown numbers fail harmlessly.
    os.setresgid(spec["gid"], spec["gid"], spec["gid"])
    os.setresuid(spec["uid"], spec["uid"], spec["uid"])  # Clears every capability.
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl no_new_privs")


def _exit_code(status: int) -> int:
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _step(to_a: socket.socket) -> None:
    """C: the step's own process, once A hands it the step; never returns."""
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        spec, (stdout, stderr) = _receive(to_a)
        _drop(spec)
    except BaseException:
        traceback.print_exc()
        os._exit(REFUSED)
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(stdout, 1)
    os.dup2(stderr, 2)
    for fd in (null, stdout, stderr):
        if fd > 2:
            os.close(fd)
    os.closerange(3, 65536)
    os.environ.clear()
    os.environ.update(spec["env"])
    os.chdir(spec["cwd"])
    _reseed()
    code = 0
    try:
        _run(spec["kind"], spec["target"], spec["args"])
    except SystemExit as exc:
        code = _system_exit_code(exc)
    except BaseException:
        traceback.print_exc()
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        code = code or 120
    os._exit(code)


def _system_exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code & 0xFF
    print(exc.code, file=sys.stderr)
    return 1


def _reseed() -> None:
    import random

    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed(int.from_bytes(os.urandom(4), "little"))


def _run(kind: str, target: str, args: list) -> None:
    import runpy

    # The step's stdio: new objects on fds 1 and 2, unbuffered like PYTHONUNBUFFERED.
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    if kind == "module":
        sys.argv = ["-m", *args]
        sys.path.insert(0, os.getcwd())
        runpy._run_module_as_main(target, alter_argv=True)  # type: ignore[attr-defined]
    else:
        sys.argv = [target, *args]
        sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
        runpy.run_path(target, run_name="__main__")


def main(argv: list) -> None:
    socket_path, modules = argv[1], argv[3:]
    if sys.path and sys.path[0] == os.path.dirname(os.path.abspath(__file__)):
        sys.path.pop(0)  # This file's folder is no step's business.
    CONFIG.update(json.loads(argv[2]))
    failed = preload(modules)
    print(f"preloaded {len(modules) - len(failed)} of {len(modules)} modules", file=sys.stderr)
    for module, error in failed:
        print(f"preload {module} failed: {error}", file=sys.stderr, flush=True)
    if threading_count() > 1:
        print(f"refused: {threading_count()} threads after the preload", flush=True)
        sys.exit(REFUSED)
    serve(socket_path)


if __name__ == "__main__":
    main(sys.argv)
