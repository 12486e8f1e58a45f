"""API tests; helpers to build component specs, archives and to look at the store."""

from __future__ import annotations

import io
import tarfile
import textwrap
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings


def spec_yaml(
    name: str = "echo_text",
    version: str = "1",
    *,
    description: str = "Print a message.",
    display_name: str | None = None,
    tags: dict[str, str] | None = None,
    code: str | None = "./src",
    command: str = "python echo.py --message ${{inputs.message}} --out ${{outputs.result}}",
) -> str:
    """A small valid command component spec."""
    lines = [
        f"name: {name}",
        f"version: '{version}'",
        f"display_name: {display_name or name.replace('_', ' ').title()}",
        f"description: {description}",
        "type: command",
    ]
    if tags:
        lines.append("tags:")
        lines += [f"  {key}: {value}" for key, value in tags.items()]
    lines += textwrap.dedent(
        """\
        inputs:
          message:
            type: string
            default: hello
        outputs:
          result:
            type: uri_folder
        """
    ).splitlines()
    if code is not None:
        lines.append(f"code: {code}")
    lines.append(f"command: {command}")
    return "\n".join(lines) + "\n"


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def tar_bytes(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def tar_file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    return tarfile.TarInfo(name), data


def tar_gz(files: dict[str, bytes]) -> bytes:
    return tar_bytes([tar_file(name, data) for name, data in files.items()])


def upload(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def store_files() -> set[str]:
    """Every path (files and folders) under the store, relative to it."""
    root = Path(settings.STORE_DIR)
    if not root.exists():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def assert_error_shape(body: Any, code: str | None = None) -> None:
    assert isinstance(body, dict), body
    assert set(body) == {"code", "message", "details"}, body
    assert isinstance(body["message"], str) and body["message"]
    if code is not None:
        assert body["code"] == code, body


def node(node_id: str, component: str, **inputs: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "component": component,
        "display_name": node_id.title(),
        "position": {"x": 0, "y": 0},
        "inputs": {name: {"value": value} for name, value in inputs.items()},
        "compute": None,
        "settings": {"timeout_seconds": None},
    }


def edge(source: str, source_port: str, target: str, target_port: str) -> dict[str, str]:
    return {
        "source": source,
        "source_port": source_port,
        "target": target,
        "target_port": target_port,
    }


def chain_document(name: str = "iris-chain") -> dict[str, Any]:
    """A valid document over the built-in catalog: load -> split -> train."""
    return {
        "schema_version": 1,
        "name": name,
        "description": "Load, split and train.",
        "inputs": {
            "raw_data": {
                "type": "uri_file",
                "optional": False,
                "description": "CSV file",
            }
        },
        "outputs": {"model": {"node": "train", "port": "model_output"}},
        "settings": {
            "default_compute": "cpu",
            "continue_on_step_failure": False,
            "force_rerun": False,
        },
        "nodes": [
            {**node("load", "load_csv@1"), "inputs": {"source": {"pipeline_input": "raw_data"}}},
            node("split", "split_data@1"),
            node("train", "train_classifier@1", target_column="species"),
        ],
        "edges": [
            edge("load", "output_data", "split", "input_data"),
            edge("split", "train_data", "train", "training_data"),
        ],
    }
