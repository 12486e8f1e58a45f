from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from designer.registry.services import Registration, components_sync


class Command(BaseCommand):
    help = "Register every component under the built-in catalog folder (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", nargs="?", default=None, help="default: components/")
        parser.add_argument("--strict", action="store_true", help="fail on any bad component")

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["folder"] or settings.COMPONENTS_DIR)
        if not folder.is_dir():
            raise CommandError(f"component folder {folder} does not exist")
        created = unchanged = 0
        failures: list[str] = []
        for path, outcome in components_sync(folder):
            if isinstance(outcome, Registration):
                created += outcome.created
                unchanged += not outcome.created
                for warning in outcome.warnings if outcome.created else []:
                    self.stderr.write(f"warning: {path}: {warning.field}: {warning.message}")
            else:
                failures.append(f"{path}: {outcome}")
        for failure in failures:
            self.stderr.write(f"error: {failure}")
        self.stdout.write(
            f"components: {created} registered, {unchanged} unchanged, {len(failures)} refused"
        )
        if failures and options["strict"]:
            raise CommandError(f"{len(failures)} component(s) refused")
