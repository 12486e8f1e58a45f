"""The host side of one warm step: the process the runner supervises (stdlib only).

Started by the step runtime as `python -I -S zygote_client.py SOCKET DISPATCHED REPORT
REQUEST COUNT (ro|rw PATH)... /bin/bash -c ...` in place of bubblewrap (the trailing shell
command is what a cold start would run; a warm start runs the parsed script instead). As
root on the host it makes one detached mount per PATH (`open_tree`, read-only ones locked
read-only, all nosuid and nodev), sends REQUEST (the step's JSON, made by the runtime),
the mounts and its own stdout/stderr to the zygote (SCM_RIGHTS), writes the start latency
to REPORT, relays SIGTERM as a "TERM" line, and exits with the step's exit code. If it
dies, its connection closes and the zygote kills the step's namespace. It imports as
little as it can (no json): its start-up is part of every warm step's.
"""

from __future__ import annotations

# The C-level modules, not `socket`, `signal` and `array`: those import `enum` and
# `collections`, a third of this client's start-up.
import _signal
import _socket
import ctypes
import os
import struct
import sys
import time

SYS_OPEN_TREE = 428
SYS_MOUNT_SETATTR = 442
OPEN_TREE_CLONE = 1
OPEN_TREE_CLOEXEC = 0o2000000
AT_FDCWD = -100
AT_EMPTY_PATH = 0x1000
AT_RECURSIVE = 0x8000
MOUNT_ATTR_RDONLY = 0x1
MOUNT_ATTR_NOSUID = 0x2
MOUNT_ATTR_NODEV = 0x4
REFUSED = 125


class _MountAttr(ctypes.Structure):
    _fields_ = [
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    ]


_libc = ctypes.CDLL(None, use_errno=True)


def detached_mount(path: str, read_only: bool) -> int:
    """A descriptor of a detached copy of the mount tree at `path` (nosuid, nodev)."""
    fd = _libc.syscall(
        SYS_OPEN_TREE, AT_FDCWD, path.encode(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE
    )
    if fd < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"open_tree {path}: {os.strerror(errno)}")
    flags = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (MOUNT_ATTR_RDONLY if read_only else 0)
    attr = _MountAttr(flags, 0, 0, 0)
    size = ctypes.sizeof(attr)
    result = _libc.syscall(
        SYS_MOUNT_SETATTR, fd, b"", AT_EMPTY_PATH | AT_RECURSIVE, ctypes.byref(attr), size
    )
    if result != 0:
        errno = ctypes.get_errno()
        os.close(fd)
        raise OSError(errno, f"mount_setattr {path}: {os.strerror(errno)}")
    return int(fd)


def main(argv: list[str]) -> int:
    path, dispatched, report, data = argv[1], float(argv[2]), argv[3], argv[4].encode()
    pairs = argv[6 : 6 + 2 * int(argv[5])]
    binds = zip(pairs[::2], pairs[1::2], strict=True)
    mounts = [detached_mount(folder, mode == "ro") for mode, folder in binds]
    conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    conn.connect(path)
    fds = [1, 2, *mounts]
    rights = (_socket.SOL_SOCKET, _socket.SCM_RIGHTS, struct.pack(f"{len(fds)}i", *fds))
    conn.sendall(struct.pack("!I", len(data)))
    conn.sendmsg([data], [rights])
    for fd in mounts:
        os.close(fd)
    _signal.signal(_signal.SIGTERM, lambda *_: conn.sendall(b"TERM\n"))
    pending = b""
    while True:
        while b"\n" not in pending:
            chunk = conn.recv(4096)
            if not chunk:
                print("[conveyor] the zygote went away during the step", file=sys.stderr)
                return REFUSED
            pending += chunk
        line, pending = pending.split(b"\n", 1)
        if line.startswith(b"started"):
            waited = (time.monotonic() - dispatched) * 1000
            with open(report, "w") as written:  # Read back by the runtime.
                written.write(f"{waited:.3f}")
            print(f"[conveyor] warm start: {waited:.1f} ms from dispatch", file=sys.stderr)
            sys.stderr.flush()
        elif line.startswith(b"exit "):
            code = int(line.split()[1])
            return code if code >= 0 else 128 - code
        else:
            print(
                f"[conveyor] warm start refused: {line.decode(errors='replace')}", file=sys.stderr
            )
            return REFUSED


if __name__ == "__main__":
    sys.exit(main(sys.argv))
