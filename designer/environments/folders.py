"""List and prune a host's built environments (pure: stdlib only)."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from designer.environments.build import MARKER, SPEC_FILE


@dataclass(frozen=True)
class BuiltEnvironment:
    key: str
    path: Path
    size: int
    built_at: float
    last_used: float
    spec: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "path": str(self.path),
            "size": self.size,
            "built_at": self.built_at,
            "last_used": self.last_used,
            "python": self.spec.get("python", ""),
            "requirements": self.spec.get("requirements", []),
            "source": self.spec.get("source", ""),
        }


def _size(root: Path) -> int:
    """Bytes of the folder's regular files (hard links counted once)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for folder, _, files in os.walk(root):
        for name in files:
            info = os.lstat(os.path.join(folder, name))
            if (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                total += info.st_size
    return total


def environments_list(env_dir: Path) -> list[BuiltEnvironment]:
    """The complete environments under `env_dir`, most recently used first."""
    found = []
    if not env_dir.is_dir():
        return []
    for root in env_dir.iterdir():
        marker = root / MARKER
        if root.name.startswith(".") or not marker.is_file():
            continue
        lock = env_dir / f"{root.name}.lock"
        built_at = marker.stat().st_mtime
        last_used = lock.stat().st_mtime if lock.exists() else built_at
        try:
            spec = json.loads((root / SPEC_FILE).read_text())
        except (OSError, ValueError):
            spec = {}
        found.append(BuiltEnvironment(root.name, root, _size(root), built_at, last_used, spec))
    return sorted(found, key=lambda e: -e.last_used)


def environments_prune(env_dir: Path, *, older_than: float, now: float | None = None) -> list[str]:
    """Remove environments unused for `older_than` seconds, and abandoned partial builds.

    An environment whose lock is held (being built or prepared right now) is kept.
    Returns the removed folder names.
    """
    now = time.time() if now is None else now
    removed = []
    for env in environments_list(env_dir):
        if now - env.last_used < older_than:
            continue
        lock = env_dir / f"{env.key}.lock"
        with open(lock, "a+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            # Renamed away first, so that no step ever sees a half-removed folder as complete.
            doomed = env_dir / f".{env.key}.pruned-{os.getpid()}"
            os.rename(env.path, doomed)
            shutil.rmtree(doomed, ignore_errors=True)
            lock.unlink(missing_ok=True)
            removed.append(env.key)
    for partial in env_dir.glob(".*"):
        if partial.is_dir() and now - partial.stat().st_mtime > max(older_than, 3600):
            shutil.rmtree(partial, ignore_errors=True)
            removed.append(partial.name)
    return removed
