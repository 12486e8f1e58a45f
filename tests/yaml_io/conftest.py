"""YAML import/export helpers: the test pipelines folder, bundling, posting to the API."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.engine.conftest import embedded  # noqa: F401 (fixture for live runs)

PIPELINES = Path(__file__).parent / "pipelines"


def bundle_of(folder: Path) -> bytes:
    """The folder zipped the way `conveyor pipeline import` sends it."""
    from conveyor.client import zip_folder

    return zip_folder(folder)


def import_yaml(
    api: Any, path: Path, *, name: str | None = None, folder: Path | None = None
) -> Any:
    """POST the YAML with a zip of its folder; the response."""
    data: dict[str, Any] = {
        "pipeline": _file(path.read_bytes(), path.name),
        "bundle": _file(bundle_of(folder or path.parent), "bundle.zip"),
    }
    if name:
        data["name"] = name
    return api.post("/api/pipelines/import/", data, format="multipart")


def import_text(api: Any, text: str, name: str | None = None) -> Any:
    """POST inline YAML text (no files referenced) as JSON."""
    body = {"yaml": text, **({"name": name} if name else {})}
    return api.post("/api/pipelines/import/", body, format="json")


def _file(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def unzip(payload: bytes, target: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        archive.extractall(target)
    return target


def register_named(*names: str) -> None:
    """Publish test components on purpose (named versions), as `component create` does."""
    from designer.registry.services import component_register_file

    for name in names:
        component_register_file(PIPELINES / "components" / name / f"{name}.yml", source="upload")


def errors_of(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 400, response.json()
    return list(response.json()["details"]["errors"])


@pytest.fixture
def home(settings: Any, tmp_path: Path) -> Path:
    """An isolated CONVEYOR_HOME with two pools mapped from Azure cluster names."""
    settings.CONVEYOR_HOME = tmp_path / "home"
    settings.CONVEYOR_HOME.mkdir(mode=0o700)  # as the server does at start-up
    settings.COMPUTE_POOLS = ["cpu", "gpu"]
    settings.CONVEYOR_COMPUTE_MAP = {"azureml:cpu-cluster": "cpu", "azureml:gpu-cluster": "gpu"}
    return Path(settings.CONVEYOR_HOME)
