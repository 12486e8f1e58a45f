"""Code snapshots and archive extraction for the registry (pure: paths in, paths out)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from designer.core.digests import digest_path

# Clutter that must not change a component's digest or land in its snapshot.
IGNORED_NAMES = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".DS_Store", ".git"})


class ArchiveError(ValueError):
    """An uploaded archive was refused; the message names the offending member."""


class CodeFolderError(ValueError):
    """A component's code folder cannot be snapshotted."""


def spec_digest(spec: dict[str, Any], code_digest: str) -> str:
    """sha256 over the spec (as canonical JSON) and the code folder's digest."""
    blob = json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{blob}\0{code_digest}".encode()).hexdigest()


def _ignored(name: str) -> bool:
    return name in IGNORED_NAMES or name.endswith(".pyc")


def check_code_folder(folder: Path) -> None:
    """Refuse links and special files, which would make the snapshot depend on the host."""
    if not folder.is_dir():
        raise CodeFolderError(f"code folder {folder} does not exist or is not a folder")
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not _ignored(d)]
        for name in [*dirs, *files]:
            path = Path(root) / name
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                rel = path.relative_to(folder)
                raise CodeFolderError(f"code folder contains a symbolic link: {rel}")
            if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                raise CodeFolderError(f"code folder contains a special file: {path.name}")


def copy_clean(source: Path, target: Path) -> None:
    """Copy a checked code folder, leaving out caches."""
    shutil.copytree(source, target, ignore=lambda _d, names: [n for n in names if _ignored(n)])


@dataclass(frozen=True)
class StagedCode:
    """A code folder copied beside its final place in the store, not yet published."""

    folder: Path
    target: Path
    path: str
    digest: str

    def publish(self) -> None:
        """Move the copy into place, once per content (a present target is the same bytes)."""
        if self.target.is_dir():
            return
        try:
            os.replace(self.folder, self.target)
        except OSError:
            if not self.target.is_dir():  # a concurrent registration may have won the rename
                raise


@contextmanager
def staged_code(folder: Path, store_root: Path, *, name: str) -> Iterator[StagedCode]:
    """Copy and digest a code folder; whatever is not published is removed on exit.

    folder: the component's code folder. store_root: the store. name: the component name.
    """
    check_code_folder(folder)
    parent = store_root / "components" / name
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=parent))
    try:
        copy_clean(folder, staging / "code")
        digest = digest_path(staging / "code").sha256
        yield StagedCode(staging / "code", parent / digest, f"components/{name}/{digest}", digest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def snapshot_code(folder: Path, store_root: Path, *, name: str) -> tuple[str, str]:
    """Copy a code folder into the store, once per content; return (path in store, digest)."""
    with staged_code(folder, store_root, name=name) as staged:
        staged.publish()
        return staged.path, staged.digest


@dataclass(frozen=True)
class _Member:
    name: str
    is_dir: bool
    size: int


def _check_member_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise ArchiveError(f"archive member {name!r} has an absolute path")
    if ".." in path.parts:
        raise ArchiveError(f"archive member {name!r} points outside the archive ('..')")
    return path


def _tar_members(tar: tarfile.TarFile) -> Iterator[tuple[_Member, tarfile.TarInfo]]:
    for info in tar.getmembers():
        if info.issym() or info.islnk():
            raise ArchiveError(f"archive member {info.name!r} is a link; links are not allowed")
        if not (info.isfile() or info.isdir()):
            raise ArchiveError(f"archive member {info.name!r} is a device or special file")
        yield _Member(info.name, info.isdir(), info.size), info


def _zip_members(archive: zipfile.ZipFile) -> Iterator[tuple[_Member, zipfile.ZipInfo]]:
    for info in archive.infolist():
        # Only the file-type bits matter: many writers (Windows tools, Python's writestr)
        # store permissions with no type at all, which is a plain file.
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise ArchiveError(f"archive member {info.filename!r} is a link; links are not allowed")
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
            raise ArchiveError(f"archive member {info.filename!r} is a device or special file")
        yield _Member(info.filename, info.is_dir(), info.file_size), info


def _copy_limited(src: IO[bytes], dst: IO[bytes], budget: int, name: str) -> int:
    """Copy while counting, so a lying size header cannot blow past the limit."""
    written = 0
    while chunk := src.read(1 << 20):
        written += len(chunk)
        if written > budget:
            raise ArchiveError(f"archive is larger than the limit when unpacked (at {name!r})")
        dst.write(chunk)
    return written


def extract_archive(data: IO[bytes], dest: Path, *, max_bytes: int, max_files: int) -> None:
    """Unpack a zip or tar(.gz) into an empty `dest`; on any refusal `dest` is removed."""
    dest.mkdir(parents=True, exist_ok=False)
    try:
        _extract(data, dest, max_bytes=max_bytes, max_files=max_files)
    except (ArchiveError, tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
        shutil.rmtree(dest, ignore_errors=True)
        if isinstance(exc, ArchiveError):
            raise
        raise ArchiveError(f"not a readable zip or tar.gz archive: {exc}") from None


def _extract(data: IO[bytes], dest: Path, *, max_bytes: int, max_files: int) -> None:
    head = data.read(4)
    data.seek(0)
    if head.startswith(b"PK"):
        with zipfile.ZipFile(data) as archive:
            members = list(_zip_members(archive))
            _write_members(members, dest, max_bytes, max_files, archive.open)
        return
    with tarfile.open(fileobj=data, mode="r:*") as tar:
        members_t = list(_tar_members(tar))
        _write_members(members_t, dest, max_bytes, max_files, tar.extractfile)


def _write_members(
    members: list[tuple[_Member, Any]], dest: Path, max_bytes: int, max_files: int, opener: Any
) -> None:
    if len(members) > max_files:
        raise ArchiveError(f"archive has {len(members)} entries; the limit is {max_files}")
    declared = sum(m.size for m, _ in members)
    if declared > max_bytes:
        raise ArchiveError(f"archive unpacks to {declared} bytes; the limit is {max_bytes}")
    budget = max_bytes
    for member, info in members:
        relative = _check_member_name(member.name)
        target = dest.joinpath(*relative.parts)
        if member.is_dir:
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        src = opener(info)
        if src is None:
            raise ArchiveError(f"archive member {member.name!r} cannot be read")
        if target.exists():
            raise ArchiveError(f"archive member {member.name!r} appears more than once")
        with src, open(target, "xb") as out:
            budget -= _copy_limited(src, out, budget, member.name)
