"""The one path gate: every path a user or a step names is checked here (pure: stdlib only).

Order matters (SECURITY.md "One path gate"): resolve symlinks and `..` first, then check
containment in the allowed root, then check the type. Only regular files and folders
pass; FIFOs, devices and sockets are refused from `lstat` alone, so nothing is ever opened
and a FIFO can never make a request hang.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Collection
from pathlib import Path

MAX_RELATIVE_LENGTH = 1024
KINDS = ("file", "dir")


class PathRefused(ValueError):
    """A user-supplied path failed the gate; `code` is a stable issue code."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def path_gate(root: Path, relative: str, *, kinds: Collection[str] = KINDS) -> Path:
    """The real path of `relative` inside `root`, or PathRefused saying why not.

    root: the allowed root (a datastore root, the dataset store, the artifact store).
    relative: a POSIX path relative to `root`; "" or "." is the root itself.
    kinds: which types are acceptable: "file" (regular file) and/or "dir" (folder).
    Codes: invalid_path (NUL, backslash, too long), path_outside_root (after resolving
    symlinks and `..`), path_not_found, special_file (FIFO, device, socket), wrong_kind.
    """
    if not isinstance(relative, str) or "\0" in relative or "\\" in relative:
        raise PathRefused("invalid_path", f"refusing path {relative!r}")
    if len(relative) > MAX_RELATIVE_LENGTH:
        raise PathRefused("invalid_path", f"the path is longer than {MAX_RELATIVE_LENGTH}")
    base = Path(os.path.realpath(root))
    # realpath resolves every symlink and `..` without opening anything.
    resolved = Path(os.path.realpath(os.path.join(base, relative.lstrip("/") or ".")))
    if relative.startswith("/") or not (resolved == base or resolved.is_relative_to(base)):
        raise PathRefused("path_outside_root", f"{relative!r} leads outside its root")
    try:
        info = os.lstat(resolved)
    except OSError:
        raise PathRefused("path_not_found", f"{relative!r} does not exist") from None
    return _checked_kind(resolved, info.st_mode, relative, kinds)


def _checked_kind(path: Path, mode: int, relative: str, kinds: Collection[str]) -> Path:
    if stat.S_ISREG(mode):
        kind = "file"
    elif stat.S_ISDIR(mode):
        kind = "dir"
    else:
        raise PathRefused(
            "special_file",
            f"{relative!r} is not a regular file or folder (a FIFO, device or socket)",
        )
    if kind not in kinds:
        wanted = " or ".join("a file" if k == "file" else "a folder" for k in kinds)
        raise PathRefused("wrong_kind", f"{relative!r} is not {wanted}")
    return path


def tree_gate(root: Path, folder: Path) -> None:
    """Refuse a folder holding a symlink or a special file anywhere below it.

    root: the allowed root (for messages). folder: a folder that passed `path_gate`.
    A step reading the folder would follow a link out of the root, or block on a FIFO.
    """
    stack = [folder]
    while stack:
        current = stack.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISDIR(mode):
                    stack.append(Path(entry.path))
                elif not stat.S_ISREG(mode):
                    inside = Path(entry.path).relative_to(root).as_posix()
                    kind = "a symlink" if stat.S_ISLNK(mode) else "a FIFO, device or socket"
                    raise PathRefused("special_file", f"{inside!r} is {kind}; refused")
