"""Datastore test helpers: an isolated CONVEYOR_HOME, a granted datastore, a cat pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.engine.conftest import components, embedded, make_version  # noqa: F401 (fixtures)
from tests.factories import document, node


@pytest.fixture
def home(settings: Any, tmp_path: Path) -> Path:
    """CONVEYOR_HOME with the files an attacker wants: admin password, secret key."""
    settings.CONVEYOR_HOME = tmp_path / "home"
    home = Path(settings.CONVEYOR_HOME)
    (home / "datasets").mkdir(parents=True)
    (home / "admin-password.txt").write_text("username: admin\npassword: hunter2\n")
    (home / "secret-key").write_text("s3cr3t")
    return home


@pytest.fixture
def shared(db: None, home: Path, tmp_path: Path, owner: Any) -> Any:
    """A datastore `shared` over a folder holding data.csv, granted read-only to the owner."""
    from designer.datastores.services import datastore_create, datastore_grant

    root = tmp_path / "shared"
    (root / "iris").mkdir(parents=True)
    (root / "iris" / "data.csv").write_text("a,b\n1,2\n")
    datastore = datastore_create(name="shared", root=str(root))
    datastore_grant(datastore=datastore, user=owner, access="read")
    return datastore


def cat_document(default: str | None = None) -> dict[str, Any]:
    """One t_cat node whose `file` is the uri_file pipeline input `table`."""
    table: dict[str, Any] = {"type": "uri_file", "optional": False, "description": ""}
    if default is not None:
        table["default"] = default
    return document(
        [node("cat", "t_cat@1", file={"pipeline_input": "table"})], inputs={"table": table}
    )


def submit(api: Any, version: Any, **inputs: Any) -> Any:
    body = {"pipeline": version.pipeline_id, "version": version.number, "inputs": inputs}
    return api.post("/api/runs/", body, format="json")


def run_errors(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 400, response.content[:500]
    return list(response.json()["details"]["errors"])
