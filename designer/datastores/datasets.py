"""Uploaded datasets: immutable, content-addressed files and folders under CONVEYOR_HOME.

A dataset lives at `CONVEYOR_HOME/datasets/<sha256>/<name>`, the root of the `uploads`
datastore; a document names it `azureml://datastores/uploads/paths/<sha256>/<name>`
(docs/datasets.md), and who may use it is recorded by `designer.datastores` (its owner).
The server path never leaves the server.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from designer.core.digests import digest_path
from designer.registry.store import copy_clean

SAFE_NAME_RE = re.compile(r"[^A-Za-z0-9._-]")


class DatasetError(ValueError):
    """An upload was refused (too large, bad name)."""


@dataclass(frozen=True)
class Dataset:
    sha256: str
    name: str
    path: Path
    size: int
    type: str

    @property
    def id(self) -> str:
        return f"{self.sha256}/{self.name}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sha256": self.sha256,
            "name": self.name,
            "size": self.size,
            "type": self.type,
        }


def datasets_dir() -> Path:
    return Path(settings.CONVEYOR_HOME).resolve() / "datasets"


def clean_name(name: str) -> str:
    """A file name safe to store: the last path part, odd characters replaced."""
    base = SAFE_NAME_RE.sub("_", Path(name.replace("\\", "/")).name).lstrip(".")
    if not base:
        raise DatasetError("the upload needs a file name")
    return base[:200]


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _publish(staged: Path, sha256: str, name: str, kind: str) -> Dataset:
    target = datasets_dir() / sha256 / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(staged, target)
        except OSError:
            if not target.exists():  # a concurrent upload of the same bytes may have won
                raise
    return Dataset(sha256, name, target, _size(target), kind)


def _staging() -> Path:
    root = datasets_dir() / ".staging"
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=root))


def dataset_store_path(source: Path) -> Dataset:
    """Store a local file or folder (idempotent: same bytes, same dataset)."""
    name = clean_name(source.name)
    stage = _staging()
    try:
        if source.is_dir():
            copy_clean(source, stage / name)
            kind = "uri_folder"
        else:
            shutil.copyfile(source, stage / name)
            kind = "uri_file"
        # The digest of what is stored, by the engine's algorithm: a step reading this
        # dataset records the same digest for it.
        return _publish(stage / name, digest_path(stage / name).sha256, name, kind)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def dataset_store_upload(stream: IO[bytes], *, filename: str) -> Dataset:
    """Store an uploaded file, refusing it once it passes settings.UPLOAD_MAX_BYTES."""
    name = clean_name(filename)
    limit = int(settings.UPLOAD_MAX_BYTES)
    stage = _staging()
    try:
        digest, written = hashlib.sha256(), 0
        with open(stage / name, "xb") as out:
            while chunk := stream.read(1 << 20):
                written += len(chunk)
                if written > limit:
                    raise DatasetError(f"the file exceeds the upload limit of {limit} bytes")
                digest.update(chunk)
                out.write(chunk)
        return _publish(stage / name, digest.hexdigest(), name, "uri_file")
    finally:
        shutil.rmtree(stage, ignore_errors=True)
