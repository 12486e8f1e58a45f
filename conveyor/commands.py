"""What each `conveyor` subcommand does; `cli.py` only parses arguments."""

from __future__ import annotations

import argparse
import getpass
import io
import json
import os
import sys
import urllib.parse
import zipfile
from pathlib import Path
from typing import Any

from conveyor import config
from conveyor.client import ApiError, Client
from designer.core.yamlsafe import safe_load


def _client(args: argparse.Namespace) -> Client:
    return Client(args.url, args.token)


def _print(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, indent=2, default=str) if args.json else text)


def _split_ref(ref: str) -> tuple[str, str | None]:
    name, _, version = ref.partition("@")
    return name, (version or None)


def login(args: argparse.Namespace) -> int:
    url = args.url or os.environ.get("CONVEYOR_URL") or input("Server URL: ").strip()
    username = args.username or input("Username: ").strip()
    password = args.password or getpass.getpass("Password: ")
    token = Client.login(url, username, password)
    path = config.save(url.rstrip("/"), token)
    _print(
        args,
        {"url": url, "user": username, "config": str(path)},
        f"logged in to {url} as {username}; token saved in {path}",
    )
    return 0


def component_create(args: argparse.Namespace) -> int:
    result = _client(args).component_create(Path(args.file))
    state = "registered" if result.get("created") else "already registered (identical)"
    lines = [f"{result['ref']} {state}"]
    lines += [f"  warning: {w['field']}: {w['message']}" for w in result.get("warnings", [])]
    _print(args, result, "\n".join(lines))
    return 0


def _owner(component: dict[str, Any]) -> str:
    owner = component.get("owner") or {}
    if owner.get("kind", "system") in ("system", "unclaimed"):
        return str(owner.get("kind", "system"))
    return "/".join(str(part) for part in (owner.get("name"), owner.get("group")) if part)


def _latest(component: dict[str, Any]) -> str:
    """The latest named version; `anonymous` for a name only pipeline imports used."""
    return "anonymous" if component.get("only_anonymous") else str(component["latest_version"])


def component_list(args: argparse.Namespace) -> int:
    found = _client(args).components(args.search)
    rows = [f"{c['name']:<32} {_latest(c):<10} {_owner(c):<16} {c['display_name']}" for c in found]
    header = f"{'NAME':<32} {'LATEST':<10} {'OWNER':<16} DISPLAY NAME"
    _print(args, found, "\n".join([header, *rows]))
    return 0


def component_show(args: argparse.Namespace) -> int:
    name, version = _split_ref(args.ref)
    found = _client(args).component(name, version or "latest")
    ports = [f"  in  {n}: {p['type']}" for n, p in found["inputs"].items()]
    ports += [f"  out {n}: {p['type']}" for n, p in found["outputs"].items()]
    text = "\n".join([f"{found['ref']}  {found['display_name']}", found["description"], *ports])
    _print(args, found, text.replace("\n\n", "\n"))
    return 0


def _import_text(result: dict[str, Any]) -> str:
    state = (
        "created"
        if result["created"]
        else ("new version" if result["new_version"] else "unchanged")
    )
    lines = [
        f"pipeline {result['name']!r} (id {result['id']}) version {result['version']}: {state}"
    ]
    lines += [f"  component {ref}" for ref in result.get("components", [])]
    lines += [f"  warning: {w['message']}" for w in result.get("warnings", [])]
    return "\n".join(lines)


def pipeline_import(args: argparse.Namespace) -> int:
    result = _client(args).pipeline_import(Path(args.file), args.name)
    _print(args, result, _import_text(result))
    return 0


def pipeline_export(args: argparse.Namespace) -> int:
    client = _client(args)
    name, version = _split_ref(args.ref)
    found = client.pipeline_by_name(name)
    number = found["latest_version"] if version in (None, "latest") else int(str(version))
    payload = client.pipeline_export(found["id"], number)
    target = Path(args.output)
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        archive.extractall(target)
    out = {"pipeline": name, "version": number, "folder": str(target)}
    _print(args, out, f"exported {name} v{number} to {target / 'pipeline.yml'}")
    return 0


def pipeline_list(args: argparse.Namespace) -> int:
    found = _client(args)._all("/api/pipelines/")
    rows = [f"{p['id']:<6} {p['name']:<40} v{p['latest_version']}" for p in found]
    _print(args, found, "\n".join([f"{'ID':<6} {'NAME':<40} LATEST", *rows]))
    return 0


def _overrides(pairs: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    inputs: dict[str, Any] = {}
    settings: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        scope, _, name = key.partition(".")
        if not sep or scope not in ("inputs", "settings") or not name:
            raise ValueError(f"--set {pair!r}: write inputs.NAME=VALUE or settings.NAME=VALUE")
        value = safe_load(raw) if raw else ""
        (inputs if scope == "inputs" else settings)[name] = value
    return inputs, settings


def job_create(args: argparse.Namespace) -> int:
    inputs, settings = _overrides(args.set)
    client = _client(args)
    imported = client.pipeline_import(Path(args.file), args.name)
    warnings = list(imported.get("warnings") or [])
    if not args.json:
        for warning in warnings:  # as `pipeline import` prints them; stdout stays the run
            print(f"warning: {warning['message']}", file=sys.stderr, flush=True)
    run = client.submit(
        imported["id"], inputs=inputs, settings=settings, version=imported["version"]
    )
    if not args.stream:
        _print(
            args,
            {**run, "warnings": warnings},
            f"run {run['id']} submitted ({run['status']}): conveyor job stream {run['id']}",
        )
        return 0
    if args.json:  # one JSON object per line: the run first, the final status last
        line = {"kind": "run", "run": run, "warnings": warnings}
        print(json.dumps(line, default=str), flush=True)
    else:
        print(f"run {run['id']} of {imported['name']} v{imported['version']} submitted")
    return _stream(client, args, run["id"])


def _stream(client: Client, args: argparse.Namespace, run_id: int) -> int:
    for kind, node, text in client.stream(run_id):
        if args.json:
            print(json.dumps({"kind": kind, "node": node, "text": text}), flush=True)
        elif kind == "status":
            print(f"[{node or 'run'}] {text}", flush=True)
        else:
            for line in text.splitlines():
                print(f"  {node} | {line}", flush=True)
    final = client.run(run_id)
    if args.json:
        end = {
            "kind": "final",
            "run": run_id,
            "status": final["status"],
            "steps": final.get("steps", []),
        }
        print(json.dumps(end, default=str), flush=True)
    else:
        print(f"run {run_id} {final['status']}")
    return 0 if final["status"] == "Completed" else 2


def job_stream(args: argparse.Namespace) -> int:
    return _stream(_client(args), args, args.id)


def _run_text(run: dict[str, Any]) -> str:
    lines = [f"run {run['id']}  {run['pipeline_name']} v{run['version']}  {run['status']}"]
    for step in run.get("steps", []):
        extra = " (reused)" if step.get("reused") else ""
        error = f"  {step['error']}" if step.get("error") else ""
        lines.append(f"  {step['node']:<28} {step['status']}{extra}{error}")
    return "\n".join(lines)


def job_show(args: argparse.Namespace) -> int:
    run = _client(args).run(args.id)
    _print(args, run, _run_text(run))
    return 0


def job_list(args: argparse.Namespace) -> int:
    runs = _client(args).runs(pipeline=args.pipeline, status=args.status)
    rows = [f"{r['id']:<6} {r['pipeline_name']:<32} v{r['version']:<4} {r['status']}" for r in runs]
    _print(args, runs, "\n".join([f"{'ID':<6} {'PIPELINE':<32} {'VER':<5} STATUS", *rows]))
    return 0


def job_cancel(args: argparse.Namespace) -> int:
    run = _client(args).cancel(args.id)
    _print(args, run, f"run {run['id']}: {run['status']} (cancel requested)")
    return 0


def job_download(args: argparse.Namespace) -> int:
    """Each step's log and outputs under OUTPUT/run-ID/<node>/."""
    client = _client(args)
    run = client.run(args.id)
    root = Path(args.output) / f"run-{args.id}"
    written: list[str] = []
    for step in run.get("steps", []):
        folder = root / step["node"]
        folder.mkdir(parents=True, exist_ok=True)
        if step.get("has_log"):
            (folder / "log.txt").write_bytes(client.log(args.id, step["node"]))
            written.append(str(folder / "log.txt"))
        for port in step.get("outputs") or {}:
            written.append(_download_output(client, args.id, step["node"], port, folder / port))
    _print(args, {"run": args.id, "files": written}, f"downloaded {len(written)} items to {root}")
    return 0


def _download_output(client: Client, run_id: int, node: str, port: str, target: Path) -> str:
    path = f"/api/runs/{run_id}/steps/{urllib.parse.quote(node)}/outputs/{port}/"
    try:
        payload = client.request("GET", path)
    except ApiError as exc:
        print(f"warning: {node}.{port}: {exc.message}", file=sys.stderr)
        return ""
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        archive.extractall(target)
    return str(target)
