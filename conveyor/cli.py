"""`conveyor`: the command line for a Conveyor server (see docs/cli.md)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from conveyor import commands, datastores, environments
from conveyor.client import ApiError


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--url", help="server URL (default: CONVEYOR_URL or the login config)")
    parser.add_argument("--token", help="API token (default: CONVEYOR_TOKEN or the login config)")


def _group(
    sub: argparse._SubParsersAction, name: str, help_text: str
) -> argparse._SubParsersAction:
    parser = sub.add_parser(name, help=help_text, description=help_text)
    return parser.add_subparsers(dest="action", required=True, metavar="ACTION")


def _add(
    sub: argparse._SubParsersAction, name: str, help_text: str, func: object
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
    _common(parser)
    parser.set_defaults(func=func)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conveyor",
        description="Work with a Conveyor server: components, pipelines and jobs (runs).",
    )
    top = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    login = _add(
        top, "login", "Sign in and save a token in ~/.config/conveyor/config.json", commands.login
    )
    login.add_argument("--username", "-u", help="(prompted when missing)")
    login.add_argument("--password", "-p", help="(prompted when missing)")

    component = _group(top, "component", "Register and browse components")
    create = _add(
        component,
        "create",
        "Register a component: its YAML spec plus its code",
        commands.component_create,
    )
    create.add_argument("-f", "--file", required=True, help="the component YAML")
    listing = _add(component, "list", "List registered components", commands.component_list)
    listing.add_argument("--search", default="", help="filter by name, description or tag")
    show = _add(
        component, "show", "Show a component (NAME or NAME@VERSION)", commands.component_show
    )
    show.add_argument("ref", metavar="NAME[@VERSION]")

    pipeline = _group(top, "pipeline", "Import, export and list pipelines")
    imp = _add(
        pipeline,
        "import",
        "Import an Azure ML pipeline job YAML (with its folder)",
        commands.pipeline_import,
    )
    imp.add_argument("-f", "--file", required=True, help="the pipeline YAML")
    imp.add_argument("--name", help="pipeline name (default: the YAML's display_name)")
    exp = _add(
        pipeline,
        "export",
        "Export a pipeline version as YAML + component files",
        commands.pipeline_export,
    )
    exp.add_argument("ref", metavar="NAME[@VERSION]")
    exp.add_argument("-o", "--output", required=True, help="folder to write into")
    _add(pipeline, "list", "List pipelines", commands.pipeline_list)

    _job_commands(_group(top, "job", "Submit, follow and manage pipeline runs"))
    _environment_commands(_group(top, "environment", "Register and browse environments"))
    _datastore_commands(_group(top, "datastore", "List and browse the datastores granted to you"))
    return parser


def _datastore_commands(store: argparse._SubParsersAction) -> None:
    _add(store, "list", "List the datastores granted to you", datastores.datastore_list)
    show = _add(
        store, "show", "Show a datastore, or list a folder in it", datastores.datastore_show
    )
    show.add_argument("name", metavar="NAME")
    show.add_argument("--path", help="list this folder ('' for the top)")


def _environment_commands(env: argparse._SubParsersAction) -> None:
    create = _add(
        env, "create", "Register an environment from its YAML", environments.environment_create
    )
    create.add_argument("-f", "--file", required=True, help="the environment YAML")
    listing = _add(env, "list", "List registered environments", environments.environment_list)
    listing.add_argument("--name", "-n", default="", help="filter by name")
    show = _add(env, "show", "Show an environment", environments.environment_show)
    show.add_argument("ref", metavar="NAME[@VERSION]")
    show.add_argument("--version", "-v", help="the version (default: latest)")


def _job_commands(job: argparse._SubParsersAction) -> None:
    create = _add(job, "create", "Import a pipeline YAML and run it", commands.job_create)
    create.add_argument("-f", "--file", required=True, help="the pipeline YAML")
    create.add_argument("--name", help="pipeline name (default: the YAML's display_name)")
    create.add_argument(
        "--set", action="append", default=[], metavar="inputs.NAME=VALUE",
        help="set a pipeline input or a setting (settings.force_rerun=true); repeatable",
    )  # fmt: skip
    create.add_argument("--stream", action="store_true", help="follow statuses and logs")
    show = _add(job, "show", "Show a run and its steps", commands.job_show)
    show.add_argument("id", type=int)
    listing = _add(job, "list", "List runs", commands.job_list)
    listing.add_argument("--pipeline", type=int, help="pipeline id")
    listing.add_argument("--status", help="e.g. Running, Failed")
    cancel = _add(job, "cancel", "Cancel a run", commands.job_cancel)
    cancel.add_argument("id", type=int)
    stream = _add(job, "stream", "Follow a run until it ends", commands.job_stream)
    stream.add_argument("id", type=int)
    download = _add(
        job, "download", "Download step logs and outputs of a run", commands.job_download
    )
    download.add_argument("id", type=int)
    download.add_argument("-o", "--output", default=".", help="folder to write into")


def _json_error(code: str, message: str, details: Any, status: int) -> int:
    """Under --json an error is JSON too (on stdout, in the API's error shape); exit 1."""
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    if status:
        body["error"]["status"] = status
    print(json.dumps(body, default=str), flush=True)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ApiError as exc:
        if getattr(args, "json", False):
            return _json_error(exc.code or "error", exc.message, exc.details, exc.status)
        print(f"error: {exc.message}", file=sys.stderr)
        for error in (exc.details or {}).get("errors", []) if isinstance(exc.details, dict) else []:
            where = ".".join(part for part in (error.get("node"), error.get("port")) if part)
            print(f"  - {where + ': ' if where else ''}{error.get('message')}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        if getattr(args, "json", False):
            return _json_error("invalid_request", str(exc), None, 0)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
