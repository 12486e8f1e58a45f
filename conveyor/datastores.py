"""`conveyor datastore list|show`, mirroring `az ml datastore`; `show --path` browses."""

from __future__ import annotations

import argparse
import json
import urllib.parse
from typing import Any

from conveyor.client import Client


def _client(args: argparse.Namespace) -> Client:
    return Client(args.url, args.token)


def _quoted(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def _print(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, indent=2, default=str) if args.json else text)


def datastore_list(args: argparse.Namespace) -> int:
    rows = _client(args).get("/api/datastores/")["results"]
    text = "\n".join(
        f"{r['name']}  {r['kind']}  {r['access'] or '-'}  {r['reference']}" for r in rows
    )
    _print(args, rows, text or "(no datastores granted to you)")
    return 0


def datastore_show(args: argparse.Namespace) -> int:
    client = _client(args)
    if args.path is None:
        found = client.get(f"/api/datastores/{_quoted(args.name)}/")
        lines = [f"{found['name']} ({found['kind']}, {found['access']})", found["reference"]]
        if found.get("description"):
            lines.append(found["description"])
        _print(args, found, "\n".join(lines))
        return 0
    url = f"/api/datastores/{_quoted(args.name)}/browse/"
    listing = json.loads(client.request("GET", url, query={"path": args.path}))
    text = "\n".join(
        f"{e['kind']:4}  {e['size']:>12}  {e['reference']}" for e in listing["entries"]
    )
    _print(args, listing, text or "(empty folder)")
    return 0
