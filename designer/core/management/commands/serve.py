"""Start Conveyor: migrate, bootstrap, sync components, then serve HTTP and WebSockets."""

from typing import Any

import uvicorn
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Prepare the database and serve Conveyor (ASGI) on the given address."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-prepare", action="store_true", help="skip migrate, bootstrap and sync"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_prepare"]:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("bootstrap")
            call_command("sync_components")
            call_command("sync_templates")
        from designer.engine.runtime import sandbox_announce

        sandbox = sandbox_announce()
        if not sandbox.available:
            self.stderr.write(f"WARNING: the step sandbox cannot start: {sandbox.reason}")
        worker = None
        if settings.EMBEDDED:
            from designer.engine.recovery import engine_recover_at_start
            from designer.engine.worker import embedded_worker_start, embedded_worker_stop

            worker = embedded_worker_start()
            engine_recover_at_start()
            self.stdout.write(f"Embedded engine: {settings.WORKER_THREADS} worker threads")
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(f"Conveyor is serving at {url}  (Ctrl+C stops it)")
        try:
            uvicorn.run(
                "designer.asgi:application",
                host=options["host"],
                port=options["port"],
                log_level="warning",
                lifespan="off",
            )
        finally:
            if worker is not None:
                embedded_worker_stop(worker)
