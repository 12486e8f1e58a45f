"""Install the sample pipeline templates (idempotent; `serve` runs it on every start)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from designer.pipelines.models import PipelineTemplate
from designer.pipelines.samples import SAMPLES_DIR, SampleError, templates_sync
from designer.pipelines.services import document_validate


class Command(BaseCommand):
    help = "Install or update the pipeline templates from the sample documents (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", nargs="?", default=None, help=f"default: {SAMPLES_DIR}")

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["folder"] or SAMPLES_DIR)
        if not folder.is_dir():
            raise CommandError(f"template folder {folder} does not exist")
        try:
            result = templates_sync(folder)
        except SampleError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"templates: {result.created} installed, {result.updated} updated,"
            f" {result.unchanged} unchanged"
        )
        # A template that does not validate (e.g. a component is missing) is still offered:
        # its pipelines open as drafts that show the problems. Say so at start-up.
        for template in PipelineTemplate.objects.order_by("slug"):
            for issue in document_validate(template.document):
                self.stderr.write(f"warning: template {template.slug}: {issue.message}")
