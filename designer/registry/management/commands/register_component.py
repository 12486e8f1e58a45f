from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from designer.registry.services import VersionConflict, component_register_file
from designer.registry.store import CodeFolderError
from designer.registry.types import SpecError


class Command(BaseCommand):
    help = "Register a component from its YAML spec (its code folder is relative to the file)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("spec", help="path/to/component.yml")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["spec"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        try:
            result = component_register_file(path, source="command")
        except SpecError as exc:
            lines = [f"  {p.field}: {p.message}" for p in exc.problems]
            raise CommandError(f"{path} is not a valid component:\n" + "\n".join(lines)) from None
        except (VersionConflict, CodeFolderError) as exc:
            raise CommandError(str(exc)) from None
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning.field}: {warning.message}")
        verb = "registered" if result.created else "already registered (identical)"
        self.stdout.write(f"{result.version.ref} {verb}, digest {result.version.digest[:12]}")
