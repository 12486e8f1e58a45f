"""Content digests of step outputs and the on-disk artifact store layout (pure: stdlib only).

Store layout, under the store root (``CONVEYOR_HOME/artifacts`` in embedded mode, a shared
path in scale-out mode)::

    runs/<run_id>/<node_id>/<attempt>/
        step.log              the attempt's log (format: designer.engine.steplog)
        outputs/<port>/       one fresh, empty folder per output
        work/                 the working directory (the engine copies the code here)
        home/                 the step's HOME
        tmp/                  the step's TMPDIR

``work/``, ``home/`` and ``tmp/`` are scratch, removed by ``clean_scratch`` once the step
ended; ``outputs/`` and ``step.log`` are kept. Paths kept in the database are relative to
the root (``ArtifactStore.relative``) so a shared store may be mounted at different places.

uri_file outputs: the folder ``outputs/<port>/`` is created and the command is given the
path ``outputs/<port>/<filename>``, where ``filename`` is the one the output declares or
``data`` by default; the step must create that file, and its digest is the file's sha256.
Every other output type (uri_folder, mltable, mlflow_model, custom_model) is the folder.

Digests: see ``designer.core.digests`` (re-exported here for the engine's callers).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from designer.core.digests import Digest, digest_path, walk_entries
from designer.core.digests import file_sha256 as file_sha256
from designer.core.paths import PathRefused, path_gate

DEFAULT_FILENAME = "data"
FOLDER_OUTPUT_TYPES = frozenset({"uri_folder", "mltable", "mlflow_model", "custom_model"})
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}$")


class UnsafePathError(ValueError):
    """A relative path would leave the artifact store."""


class MissingOutputError(FileNotFoundError):
    """A step did not write the output it declared."""


def digest_output(path: Path, port_type: str) -> Digest:
    """Digest a finished step output, refusing a uri_file output the step did not write.

    path: the output path given to the command.
    port_type: the output's type (uri_file or a folder type).
    """
    if port_type == "uri_file" and not (path.is_file() and not path.is_symlink()):
        # Named relative to the step's outputs: a step error never shows a server path.
        where = f"outputs/{path.parent.name}/{path.name}"
        raise MissingOutputError(f"the step did not write its uri_file output at {where}")
    if port_type in FOLDER_OUTPUT_TYPES and not path.is_dir():
        raise MissingOutputError(f"the output folder outputs/{path.name} is missing")
    return digest_path(path)


class UnsafeOutputError(ValueError):
    """A step's output holds a link or a special file; the step fails naming it."""


def ingest_output(port_folder: Path, *, owner: tuple[int, int] | None = None) -> None:
    """Take a finished step's output port folder into the store: checked, engine-owned,
    read-only. Serving and downstream steps read only what passed here.

    Everything is checked before anything is changed: a symlink (also the folder itself),
    a hard-linked regular file (st_nlink > 1: it shares its bytes with a file elsewhere,
    maybe the secret key), or a FIFO, socket or device raises UnsafeOutputError naming the
    path. Then every entry is given to `owner` (uid, gid; None: left as is) and made
    read-only (files 0444, folders 0755: the owner may still remove the run).

    port_folder: `outputs/<port>` of the attempt (a uri_file output's parent folder).
    owner: the engine's (uid, gid) when the step ran as another uid.
    """
    entries = [port_folder]
    try:
        info = port_folder.lstat()
    except FileNotFoundError:
        raise MissingOutputError(f"the output folder {port_folder.name} is missing") from None
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeOutputError(f"{port_folder.name}: the output folder was replaced by a link")
    for relative, entry in walk_entries(port_folder, ""):
        info = entry.stat(follow_symlinks=False)
        name = f"{port_folder.name}/{relative}"
        if stat.S_ISLNK(info.st_mode):
            raise UnsafeOutputError(f"{name}: links are not accepted in outputs")
        if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
            raise UnsafeOutputError(f"{name}: hard links are not accepted in outputs")
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
            raise UnsafeOutputError(f"{name}: only regular files and folders are accepted")
        entries.append(Path(entry.path))
    for path in entries:
        if owner is not None:
            os.chown(path, *owner, follow_symlinks=False)
        mode = 0o755 if path.is_dir() else 0o444
        os.chmod(path, mode)


def servable_file(path: Path) -> bool:
    """Whether `path` is a file serving may read: regular, not a link, not hard-linked.

    Ingestion refuses anything else; this keeps artifacts written before it from being
    served through a link.
    """
    try:
        info = path.lstat()
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_nlink == 1


def safe_resolve(root: Path, relative: str) -> Path:
    """Resolve `relative` under `root` through the path gate (designer.core.paths).

    root: the artifact store root (or an output folder inside it).
    relative: a POSIX path relative to the root (from the database or a URL); `..`, an
        absolute path, a backslash, NUL, a symlink leading outside, or a FIFO, device or
        socket raise UnsafePathError. A path that does not exist (yet) is returned as is.
    """
    if not relative or "\0" in relative or "\\" in relative:
        raise UnsafePathError(f"refusing artifact path {relative!r}")
    parts = PurePosixPath(relative)
    if parts.is_absolute() or ".." in parts.parts:
        raise UnsafePathError(f"refusing artifact path {relative!r}: it leaves the store")
    try:
        return path_gate(root, relative)
    except PathRefused as exc:
        if exc.code != "path_not_found":
            raise UnsafePathError(f"refusing artifact path {relative!r}: {exc}") from None
    # Missing: the lexical answer under the resolved root (no symlink below it resolved).
    base = root.resolve()
    resolved = (base / parts).resolve()
    if resolved != base and not resolved.is_relative_to(base):
        raise UnsafePathError(f"refusing artifact path {relative!r}: it leaves the store")
    return resolved


@dataclass(frozen=True)
class StepDirs:
    """The directories of one step attempt (see the module doc for the layout)."""

    base: Path
    work: Path
    home: Path
    tmp: Path
    outputs: Path
    log_path: Path


class ArtifactStore:
    """The artifact store under one root directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._resolved_root: Path | None = None

    def step_dirs(self, run_id: str, node_id: str, attempt: int) -> StepDirs:
        """The paths of a step attempt, without touching the disk.

        run_id, node_id: safe path segments (letters, digits, `_`, `.`, `-`).
        attempt: 1 for the first try.
        """
        if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
            raise ValueError(f"attempt must be a positive integer, got {attempt!r}")
        base = self.root / "runs" / _segment(run_id) / _segment(node_id) / str(attempt)
        return StepDirs(
            base=base,
            work=base / "work",
            home=base / "home",
            tmp=base / "tmp",
            outputs=base / "outputs",
            log_path=base / "step.log",
        )

    def make_step_dirs(
        self, run_id: str, node_id: str, attempt: int, outputs: dict[str, str]
    ) -> StepDirs:
        """Create fresh, empty directories for a step attempt, wiping any earlier leftovers.

        run_id, node_id, attempt: as for `step_dirs`.
        outputs: output port name -> port type; one empty folder is made per port.
        """
        dirs = self.step_dirs(run_id, node_id, attempt)
        base = str(dirs.base)
        try:
            os.makedirs(base)
        except FileExistsError:
            # A redelivered attempt must not see a half-written earlier try.
            shutil.rmtree(base, ignore_errors=True)
            os.makedirs(base)
        for folder in ("work", "home", "tmp", "outputs"):
            os.mkdir(os.path.join(base, folder))
        for port in outputs:
            os.mkdir(os.path.join(base, "outputs", _segment(port)))
        os.close(os.open(os.path.join(base, "step.log"), os.O_WRONLY | os.O_CREAT, 0o666))
        return dirs

    def output_path(
        self,
        run_id: str,
        node_id: str,
        attempt: int,
        port: str,
        *,
        port_type: str,
        filename: str | None = None,
    ) -> Path:
        """The path a command gets for an output (uri_file: a file inside the port's folder).

        run_id, node_id, attempt: as for `step_dirs`.
        port: the output port name.
        port_type: the output's type.
        filename: a uri_file output's declared file name (default "data").
        """
        folder = self.step_dirs(run_id, node_id, attempt).outputs / _segment(port)
        if port_type == "uri_file":
            return folder / _segment(filename or DEFAULT_FILENAME)
        if port_type not in FOLDER_OUTPUT_TYPES:
            raise ValueError(f"output {port!r}: {port_type!r} is not an output type")
        return folder

    def clean_scratch(self, dirs: StepDirs) -> None:
        """Remove a finished attempt's work, home and tmp folders; outputs and log stay.

        dirs: the attempt's directories.
        """
        for folder in (dirs.work, dirs.home, dirs.tmp):
            try:
                os.rmdir(folder)  # Usually empty: one system call.
            except OSError:
                shutil.rmtree(folder, ignore_errors=True)

    def relative(self, path: Path) -> str:
        """The store-relative POSIX path kept in the database for `path`.

        path: a path inside the store.
        """
        root = self._resolved_root
        if root is None:
            root = self._resolved_root = self.root.resolve()
        # The engine's own paths are built under the root from checked segments: when the
        # path lies lexically under the root and holds no symlink below it, the resolved
        # answer is the lexical one (checked with one lstat per level, no realpath walk).
        if path.is_absolute() and ".." not in path.parts:
            for base in (self.root, root):
                try:
                    inside = path.relative_to(base)
                except ValueError:
                    continue
                if not _has_symlink(base, inside):
                    return inside.as_posix()
        return path.resolve().relative_to(root).as_posix()

    def resolve(self, relative: str) -> Path:
        """`safe_resolve` under this store's root.

        relative: a store-relative path.
        """
        return safe_resolve(self.root, relative)

    def exists(self, path: Path | str) -> bool:
        """Whether an artifact (absolute path inside the store or store-relative) exists.

        path: a Path inside the store or a store-relative string.
        """
        try:
            relative = path if isinstance(path, str) else self.relative(path)
            return self.resolve(relative).exists()
        except (ValueError, OSError):
            return False


def _has_symlink(base: Path, inside: PurePosixPath | Path) -> bool:
    """Whether a component of `inside` below `base` is a symlink (a missing one is not)."""
    current = str(base)
    for part in inside.parts:
        current = os.path.join(current, part)
        try:
            if stat.S_ISLNK(os.lstat(current).st_mode):
                return True
        except OSError:
            return False  # Not there: resolve() would keep the rest lexically too.
    return False


def _segment(name: str) -> str:
    """Refuse ids and port names that could add or climb path levels."""
    if not isinstance(name, str) or not _SEGMENT.match(name):
        raise ValueError(f"{name!r} is not a safe path segment")
    return name
