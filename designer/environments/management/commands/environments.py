"""`manage.py environments list|prune|build`: this worker host's built environments."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from designer.environments.build import environment_prepare
from designer.environments.folders import environments_list, environments_prune
from designer.environments.services import build_config, component_environment
from designer.environments.spec import EnvironmentProblem

_AGE_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text: str) -> float:
    """`90d`, `12h`, `30m`, `2w`, `45s` -> seconds."""
    match = _AGE_RE.match(text.strip())
    if not match:
        raise CommandError(f"--older-than {text!r}: use a number and a unit, e.g. 30d, 12h")
    return float(match.group(1)) * _UNIT[match.group(2)]


def _human(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def _when(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M")


class Command(BaseCommand):
    help = "List, prune or pre-build the environments built on this worker host."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="built environments with size and last use")
        listing.add_argument("--json", action="store_true")
        prune = sub.add_parser("prune", help="remove environments unused for a while")
        prune.add_argument("--older-than", required=True, help="e.g. 30d, 12h, 90m")
        prune.add_argument("--dry-run", action="store_true")
        build = sub.add_parser("build", help="build the default (or a named) environment now")
        build.add_argument("reference", nargs="?", default=None, help="azureml:<name>@<ver>")

    def handle(self, *args: Any, **options: Any) -> None:
        env_dir = Path(settings.ENV_DIR)
        action = options["action"]
        if action == "list":
            self._list(env_dir, as_json=options["json"])
        elif action == "prune":
            self._prune(env_dir, parse_age(options["older_than"]), dry_run=options["dry_run"])
        else:
            self._build(options["reference"])

    def _list(self, env_dir: Path, *, as_json: bool) -> None:
        found = environments_list(env_dir)
        if as_json:
            self.stdout.write(json.dumps([e.as_dict() for e in found], indent=2))
            return
        self.stdout.write(f"{env_dir}: {len(found)} environment(s)")
        for env in found:
            self.stdout.write(
                f"{env.key}  {_human(env.size):>10}  built {_when(env.built_at)}  "
                f"last used {_when(env.last_used)}  {env.spec.get('source', '')}"
            )

    def _prune(self, env_dir: Path, older_than: float, *, dry_run: bool) -> None:
        if dry_run:
            now = time.time()
            for env in environments_list(env_dir):
                if now - env.last_used >= older_than:
                    self.stdout.write(f"would remove {env.key} ({_human(env.size)})")
            return
        for key in environments_prune(env_dir, older_than=older_than):
            self.stdout.write(f"removed {key}")

    def _build(self, reference: str | None) -> None:
        try:
            spec = component_environment(reference, where="manage.py environments build")
            prepared = environment_prepare(spec, build_config(), log=self.stdout.write)
        except EnvironmentProblem as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"ready: {prepared.root}")
