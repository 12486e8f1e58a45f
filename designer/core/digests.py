"""Content digests of files and folders: the one algorithm used by the engine, the
component store and datasets (pure: stdlib only).

A file's digest is the plain sha256 of its bytes (``sha256sum`` agrees); a folder's is a
sha256 over a versioned header and one record per entry in sorted relative path order:
kind (file, dir, symlink, other), path, and the file's sha256 or the symlink's target text.
Symlinks are never followed, and special files are never read.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024
_FOLDER_HEADER = b"conveyor-folder-digest-v1\0"
_SYMLINK_HEADER = b"conveyor-symlink-digest-v1\0"


@dataclass(frozen=True)
class Digest:
    """Content identity of an output: `kind` is "file", "folder" or "symlink"."""

    sha256: str
    size: int
    file_count: int
    kind: str

    def as_dict(self) -> dict[str, str | int]:
        return {
            "sha256": self.sha256,
            "size": self.size,
            "file_count": self.file_count,
            "kind": self.kind,
        }


def file_sha256(path: Path) -> str:
    """Hex sha256 of a regular file's bytes, read in 1 MiB chunks without following a symlink.

    path: the file.
    """
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb", buffering=0) as handle:
        while count := handle.readinto(buffer):
            digest.update(view[:count])
    return digest.hexdigest()


def digest_path(path: Path) -> Digest:
    """Digest a file, a folder (recursively) or a symlink (by its target text).

    path: what to digest; raises FileNotFoundError if it does not exist.
    """
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        target = os.fsencode(os.readlink(path))
        return Digest(hashlib.sha256(_SYMLINK_HEADER + target).hexdigest(), 0, 0, "symlink")
    if stat.S_ISDIR(info.st_mode):
        return _digest_folder(path)
    if stat.S_ISREG(info.st_mode):
        return Digest(file_sha256(path), info.st_size, 1, "file")
    raise ValueError(f"{path} is neither a file nor a folder")


def _digest_folder(root: Path) -> Digest:
    digest = hashlib.sha256(_FOLDER_HEADER)
    size = count = 0
    for relative, entry in sorted(walk_entries(root, "")):
        info = entry.stat(follow_symlinks=False)
        name = os.fsencode(relative)
        if entry.is_symlink():
            record = [b"L", name, os.fsencode(os.readlink(entry.path))]
        elif entry.is_dir(follow_symlinks=False):
            record = [b"D", name]
        elif stat.S_ISREG(info.st_mode):
            record = [b"F", name, file_sha256(Path(entry.path)).encode()]
            size += info.st_size
            count += 1
        else:
            record = [b"O", name]  # Pipes, sockets, devices: reading one could block.
        # No field may contain NUL, so NUL-terminated fields cannot be confused.
        digest.update(b"".join(field + b"\0" for field in record))
    return Digest(digest.hexdigest(), size, count, "folder")


def walk_entries(folder: Path, prefix: str) -> list[tuple[str, os.DirEntry[str]]]:
    """(relative path, entry) of everything under `folder`, depth first, no symlink followed."""
    found: list[tuple[str, os.DirEntry[str]]] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            relative = f"{prefix}{entry.name}"
            found.append((relative, entry))
            if entry.is_dir(follow_symlinks=False):
                found.extend(walk_entries(Path(entry.path), relative + "/"))
    return found
