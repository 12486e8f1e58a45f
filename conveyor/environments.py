"""`conveyor environment create|list|show`, mirroring `az ml environment`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

from conveyor.client import Client
from designer.core.yamlsafe import safe_load

MAX_CONDA_BYTES = 256 * 1024


def _client(args: argparse.Namespace) -> Client:
    return Client(args.url, args.token)


def _print(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, indent=2, default=str) if args.json else text)


def environment_yaml(path: Path) -> str:
    """The YAML to send: a `conda_file:` path is read here, beside the file, and inlined."""
    text = path.read_text(encoding="utf-8")
    data = safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: an environment YAML must be a mapping of fields")
    conda = data.get("conda_file")
    if not isinstance(conda, str):
        return text
    conda_path = (path.parent / conda).resolve()
    if not conda_path.is_file():
        raise ValueError(f"{path}: conda_file {conda!r} not found beside it")
    if conda_path.stat().st_size > MAX_CONDA_BYTES:
        raise ValueError(f"{path}: conda_file {conda!r} is larger than {MAX_CONDA_BYTES} bytes")
    data["conda_file"] = safe_load(conda_path.read_text(encoding="utf-8"))
    return yaml.safe_dump(data, sort_keys=False)


def environment_create(args: argparse.Namespace) -> int:
    text = environment_yaml(Path(args.file))
    result = _client(args).post("/api/environments/", {"yaml": text})
    lines = [f"{result['reference']} registered: python {result['python']}"]
    lines += [f"  {r}" for r in result["requirements"]]
    lines += [f"  warning: {w}" for w in result.get("warnings", [])]
    _print(args, result, "\n".join(lines))
    return 0


def environment_list(args: argparse.Namespace) -> int:
    client = _client(args)
    rows = client.get("/api/environments/", search=args.name or "", page_size=1000)["results"]
    text = "\n".join(
        f"{r['name']}@{r['version']}  python {r['python']}  {len(r['requirements'])} package(s)"
        for r in rows
    )
    _print(args, rows, text or "no environments registered")
    return 0


def environment_show(args: argparse.Namespace) -> int:
    name, _, version = args.ref.removeprefix("azureml:").replace(":", "@", 1).partition("@")
    version = args.version or version or "latest"
    data = _client(args).get(f"/api/environments/{name}/versions/{version}/")
    lines = [f"{data['reference']}  python {data['python']}  hash {data['hash'][:12]}"]
    if data.get("description"):
        lines.append(data["description"])
    lines += [f"  {r}" for r in data["requirements"]]
    _print(args, data, "\n".join(lines))
    return 0
