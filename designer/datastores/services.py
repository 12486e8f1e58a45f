"""Resolving data references for a user: grants, the path gate, digests with a size limit.

Save-time validation calls `data_problem` (cheap: queries and `stat` only). Submit calls
`data_digests` outside any transaction. The engine calls `data_resolve` again when a step
starts, so a revoked grant or a file swapped for a symlink is caught at execution time.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from designer.core.digests import digest_path, file_sha256
from designer.core.paths import PathRefused, path_gate, tree_gate
from designer.datastores.datasets import Dataset as StoredDataset
from designer.datastores.datasets import datasets_dir
from designer.datastores.models import (
    NAME_PATTERN,
    UPLOADS,
    Access,
    Dataset,
    Datastore,
    DatastoreGrant,
    Kind,
)
from designer.datastores.policies import dataset_visible, datasets_for_user, datastore_access
from designer.datastores.references import DataRef, ReferenceRefused, reference_parse

FILE_TYPES = {"uri_file": ("file",), "uri_folder": ("dir",)}
NAME_RE = re.compile(NAME_PATTERN)
_SHA256 = frozenset("0123456789abcdef")


class DataRefused(ValueError):
    """A data reference the user may not use; `code` is a stable issue code."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class ResolvedData:
    ref: DataRef
    path: Path
    kind: str  # "file" or "dir"


def uploads_ensure() -> Datastore:
    """The default datastore for uploads (made by a migration; again after a flush)."""
    datastore, _ = Datastore.objects.get_or_create(
        name=UPLOADS,
        defaults={"kind": Kind.UPLOADS, "description": "Files uploaded in the designer and CLI."},
    )
    return datastore


def datastore_by_name(name: str) -> Datastore | None:
    found = Datastore.objects.filter(name=name).first()
    if found is None and name == UPLOADS:
        return uploads_ensure()
    return found


def datastore_root(datastore: Datastore) -> Path:
    """The server folder behind a datastore (staff-only knowledge)."""
    if datastore.kind == Kind.UPLOADS:
        return datasets_dir()
    return Path(datastore.root)


def data_resolve(value: Any, *, user: Any, port_type: str | None = None) -> ResolvedData:
    """The real path behind a data reference the user may read; DataRefused otherwise.

    value: the reference. user: whose rights apply (the submitter).
    port_type: the input's type: uri_file needs a file, uri_folder a folder.
    """
    try:
        ref = reference_parse(value)
    except ReferenceRefused as exc:
        raise DataRefused(exc.code, str(exc)) from None
    datastore = datastore_by_name(ref.datastore)
    if datastore is None:
        raise DataRefused("unknown_datastore", f"there is no datastore {ref.datastore!r}")
    if datastore_access(user, datastore) is None:
        message = f"datastore {ref.datastore!r} is not granted to you"
        raise DataRefused("datastore_not_granted", message)
    if datastore.kind == Kind.UPLOADS:
        _check_upload(ref, user)
    kinds = FILE_TYPES.get(port_type or "", ("file", "dir"))
    root = datastore_root(datastore)
    try:
        path = path_gate(root, ref.path, kinds=kinds)
        kind = "dir" if stat.S_ISDIR(os.lstat(path).st_mode) else "file"
        if kind == "dir":
            tree_gate(root, path)
    except PathRefused as exc:
        raise DataRefused(exc.code, f"{ref}: {_without_root(str(exc), root)}") from None
    except OSError:
        raise DataRefused("path_not_found", f"{ref} cannot be read") from None
    return ResolvedData(ref, path, kind)


def _check_upload(ref: DataRef, user: Any) -> None:
    parts = ref.path.split("/")
    if len(parts) != 2 or len(parts[0]) != 64 or not set(parts[0]) <= _SHA256:
        message = f"{ref}: an uploaded dataset is uploads/paths/<sha256>/<file name>"
        raise DataRefused("unknown_dataset", message)
    if not dataset_visible(user, parts[0], parts[1]):
        raise DataRefused("unknown_dataset", f"{ref}: no such dataset among your uploads")


def _without_root(message: str, root: Path) -> str:
    return message.replace(str(root), "<datastore>")


def data_problem(user: Any) -> Callable[[str, Any], tuple[str, str] | None]:
    """A checker for validation: (port type, value) -> (code, message) or None."""

    def check(port_type: str, value: Any) -> tuple[str, str] | None:
        try:
            if user is None:
                reference_parse(value)
            else:
                data_resolve(value, user=user, port_type=port_type)
        except (DataRefused, ReferenceRefused) as exc:
            return exc.code, str(exc)
        return None

    return check


def data_digest(value: Any, *, user: Any, port_type: str | None = None) -> str:
    """The content digest of a data reference, read in a stream and refused past the limit.

    Never call this inside a database transaction: it reads the whole input.
    """
    resolved = data_resolve(value, user=user, port_type=port_type)
    if resolved.ref.datastore == UPLOADS:
        return resolved.ref.path.split("/")[0]  # Content-addressed: the sha256 is the name.
    limit = int(settings.DATA_DIGEST_MAX_BYTES)
    size = _size(resolved.path) if resolved.kind == "dir" else resolved.path.stat().st_size
    if size > limit:
        message = (
            f"{resolved.ref} holds {size} bytes, more than the {limit}-byte limit for "
            "hashing a data input (CONVEYOR_DATA_DIGEST_MAX_BYTES)"
        )
        raise DataRefused("data_too_large", message)
    if resolved.kind == "file":
        return file_sha256(resolved.path)
    return digest_path(resolved.path).sha256


def _size(folder: Path) -> int:
    total = 0
    for base, _dirs, files in os.walk(folder):
        for name in files:
            total += os.lstat(os.path.join(base, name)).st_size
    return total


def dataset_record(stored: StoredDataset, *, owner: Any) -> Dataset:
    """Record that `owner` uploaded a stored dataset (idempotent)."""
    dataset, _ = Dataset.objects.get_or_create(
        owner=owner,
        sha256=stored.sha256,
        name=stored.name,
        defaults={"size": stored.size, "type": stored.type},
    )
    return dataset


def dataset_public(dataset: Dataset) -> dict[str, Any]:
    """A dataset as the API shows it: id and reference, never a server path."""
    return {
        "id": dataset.pk,
        "reference": dataset.reference,
        "sha256": dataset.sha256,
        "name": dataset.name,
        "size": dataset.size,
        "type": dataset.type,
        "created_at": dataset.created_at,
    }


def user_by_id(user_id: int) -> Any:
    return get_user_model().objects.filter(pk=user_id).first()


def step_input_paths(
    inputs: dict[str, dict[str, Any]], *, user_id: int | None, port_types: dict[str, str]
) -> dict[str, str]:
    """The host paths a starting step gets for its data inputs (execution time).

    inputs: the step run's recorded inputs: {"path"} for an upstream artifact, or
        {"reference"} for a data reference, resolved here after checking that the
        submitter is still granted it. user_id: the submitter. port_types: input -> type.
    """
    paths: dict[str, str] = {}
    user = None
    for name, data in inputs.items():
        if "reference" not in data:
            paths[name] = data["path"]
            continue
        user = user or user_by_id(user_id or 0)
        try:
            resolved = data_resolve(data["reference"], user=user, port_type=port_types.get(name))
        except DataRefused as exc:
            raise DataRefused(exc.code, f"input '{name}': {exc}") from None
        paths[name] = str(resolved.path)
    return paths


class DatastoreInvalid(ValueError):
    """A datastore registration or grant that cannot be made; `field` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def datastore_create(*, name: str, root: str, description: str = "") -> Datastore:
    """Register a local-folder datastore (staff only; the caller checks).

    name: letters, digits, underscores. root: an existing absolute folder on the server,
    neither inside CONVEYOR_HOME nor holding it (it keeps the secret key and database).
    """
    if not NAME_RE.match(name or ""):
        raise DatastoreInvalid("name", f"{name!r}: use 1-100 letters, digits or underscores")
    if Datastore.objects.filter(name=name).exists():
        raise DatastoreInvalid("name", f"a datastore named {name!r} already exists")
    if not root or not os.path.isabs(root) or not os.path.isdir(root):
        raise DatastoreInvalid("root", f"{root!r} is not an existing absolute folder")
    real = Path(os.path.realpath(root))
    for guarded in _server_folders():
        if real == guarded or real.is_relative_to(guarded) or guarded.is_relative_to(real):
            message = "a datastore may not hold or be inside the server's own folders"
            raise DatastoreInvalid("root", f"{message} (CONVEYOR_HOME, store, artifacts)")
    return Datastore.objects.create(
        name=name, kind=Kind.LOCAL, root=str(real), description=description
    )


def _server_folders() -> list[Path]:
    """Where the server keeps secrets, the database, code and every user's artifacts."""
    folders = [settings.CONVEYOR_HOME, settings.STORE_DIR, settings.ARTIFACTS_DIR]
    return [Path(os.path.realpath(folder)) for folder in folders]


def datastore_grant(
    *, datastore: Datastore, user: Any = None, group: Any = None, access: str = Access.READ
) -> DatastoreGrant:
    """Grant a datastore to a user or a group (replacing an earlier grant's access)."""
    if (user is None) == (group is None):
        raise DatastoreInvalid("user", "grant to exactly one user or one group")
    if access not in Access.values:
        raise DatastoreInvalid("access", f"access is one of {sorted(Access.values)}")
    if datastore.kind == Kind.UPLOADS:
        raise DatastoreInvalid("datastore", "the uploads datastore is not granted")
    grant, _ = DatastoreGrant.objects.update_or_create(
        datastore=datastore, user=user, group=group, defaults={"access": access}
    )
    return grant


@dataclass(frozen=True)
class Entry:
    name: str
    path: str
    kind: str
    size: int

    def as_dict(self, datastore: str) -> dict[str, Any]:
        reference = str(DataRef(datastore, self.path))
        return {**self.__dict__, "reference": reference}


BROWSE_LIMIT = 1000


def datastore_browse(datastore: Datastore, relative: str, *, user: Any) -> list[Entry]:
    """The files and folders in one folder of a datastore (symlinks and specials left out).

    relative: the folder, relative to the datastore root ("" for the root).
    """
    if datastore.kind == Kind.UPLOADS:
        if relative.strip("/"):
            raise DataRefused("path_not_found", "uploads are listed at the top level only")
        return [
            Entry(d.name, f"{d.sha256}/{d.name}", "file" if d.type == "uri_file" else "dir", d.size)
            for d in datasets_for_user(user)[:BROWSE_LIMIT]
        ]
    root = datastore_root(datastore)
    try:
        folder = path_gate(root, relative.rstrip("/"), kinds=("dir",))
    except PathRefused as exc:
        raise DataRefused(exc.code, _without_root(str(exc), root)) from None
    entries: list[Entry] = []
    prefix = folder.relative_to(Path(os.path.realpath(root))).as_posix()
    with os.scandir(folder) as found:
        for item in sorted(found, key=lambda e: e.name)[:BROWSE_LIMIT]:
            info = item.stat(follow_symlinks=False)
            kind = "dir" if stat.S_ISDIR(info.st_mode) else "file"
            if not (stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)):
                continue
            path = item.name if prefix == "." else f"{prefix}/{item.name}"
            entries.append(Entry(item.name, path, kind, info.st_size if kind == "file" else 0))
    return entries
