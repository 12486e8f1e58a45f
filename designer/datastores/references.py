"""The data reference forms a document may hold (pure: stdlib only).

A data input names `azureml://datastores/<name>/paths/<path>` (Azure ML's form); an
uploaded dataset is `azureml://datastores/uploads/paths/<sha256>/<file name>`. Anything
else, notably a server path (`/etc/shadow`, `../x`, `$CONVEYOR_HOME/...`, `file:...`), is
refused with a stable code. Whether the datastore exists and the user is granted it is
checked by `designer.datastores.services`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

PREFIX = "azureml://datastores/"
_REFERENCE = re.compile(r"^azureml://datastores/(?P<store>[^/]*)/paths/(?P<path>.*)$")
_STORE = re.compile(r"^[A-Za-z0-9_]{1,100}$")
MAX_REFERENCE_LENGTH = 2048
FORM = "azureml://datastores/<name>/paths/<path> or an uploaded dataset"


class ReferenceRefused(ValueError):
    """A value is not an acceptable data reference; `code` is a stable issue code."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class DataRef:
    """A parsed reference: the datastore's name and a clean relative path inside it."""

    datastore: str
    path: str

    def __str__(self) -> str:
        return f"{PREFIX}{self.datastore}/paths/{self.path}"


def reference_parse(value: object) -> DataRef:
    """Parse a data input value; raise ReferenceRefused for every other form.

    value: the document's or the submission's value.
    """
    if not isinstance(value, str) or not value.strip():
        raise ReferenceRefused("invalid_data_reference", f"expected {FORM}, got {value!r}")
    if len(value) > MAX_REFERENCE_LENGTH:
        raise ReferenceRefused("invalid_data_reference", "the data reference is too long")
    match = _REFERENCE.match(value)
    if match is None:
        if "://" in value and not value.startswith("file:"):
            message = f"{value!r} is not a data reference Conveyor reads; expected {FORM}"
            raise ReferenceRefused("unsupported_data_reference", message)
        message = f"{value!r} is a server path; a data input takes {FORM}, never a server path"
        raise ReferenceRefused("server_path_refused", message)
    store, path = match.group("store"), match.group("path")
    if not _STORE.match(store):
        raise ReferenceRefused("invalid_data_reference", f"{store!r} is not a datastore name")
    return DataRef(store, _clean_path(value, path))


def _clean_path(value: str, path: str) -> str:
    if "\0" in path or "\\" in path or path.startswith("/") or not path.strip("/"):
        raise ReferenceRefused("invalid_data_path", f"{value!r}: the path is not a relative path")
    parts = PurePosixPath(path).parts
    if ".." in parts:
        raise ReferenceRefused("invalid_data_path", f"{value!r}: '..' is not allowed in a path")
    return "/".join(part for part in parts if part != ".")


def is_reference(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)
