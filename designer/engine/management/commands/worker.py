"""`manage.py worker`: a scale-out worker that is restarted when it dies.

Dramatiq's main process shuts down by design when one of its worker processes dies (a
SIGKILL, the OOM killer). This command runs `rundramatiq` as a child and starts it again
after a crash, with backoff (1 s doubling to 30 s, back to 1 s after a minute of health),
so a worker host heals itself without systemd. Under systemd
(`deploy/conveyor-worker.service`) or Docker, either can supervise; both is harmless.
SIGTERM and SIGINT are passed to the child, which finishes its running steps, and then
this command exits.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

logger = logging.getLogger(__name__)
FIRST_DELAY = 1.0
MAX_DELAY = 30.0
HEALTHY_AFTER = 60.0
MANAGE = Path(__file__).resolve().parents[4] / "manage.py"


class Command(BaseCommand):
    help = "Run a rundramatiq worker and restart it when it dies (with backoff)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queues", nargs="*", default=None, help="compute pools to serve")
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--processes", type=int, default=1)
        parser.add_argument(
            "--max-restarts", type=int, default=0, help="give up after this many (0: never)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        command = [
            sys.executable,
            str(MANAGE),
            "rundramatiq",
            "--processes",
            str(options["processes"]),
            "--threads",
            str(options["threads"]),
        ]
        if options["queues"]:
            command += ["--queues", *options["queues"]]
        supervise(command, max_restarts=options["max_restarts"])


def supervise(command: list[str], *, max_restarts: int = 0) -> int:
    """Run `command`, restarting it with backoff whenever it exits without being told to.

    command: the argv of the child. max_restarts: stop after this many restarts (0: never).
    Returns the child's last exit status.
    """
    stopping = False
    child: subprocess.Popen[bytes] | None = None

    def forward(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    delay, restarts = FIRST_DELAY, 0
    while True:
        started = time.monotonic()
        child = subprocess.Popen(command)
        status = child.wait()
        if stopping:
            return status
        if time.monotonic() - started > HEALTHY_AFTER:
            delay = FIRST_DELAY
        restarts += 1
        logger.warning(
            "the worker (pid %s) exited with status %s; restarting it in %.0f s (restart %d)",
            child.pid,
            status,
            delay,
            restarts,
        )
        if max_restarts and restarts > max_restarts:
            logger.error("the worker died %d times; giving up", restarts)
            return status
        deadline = time.monotonic() + delay
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.1)
        if stopping:
            return status
        delay = min(delay * 2, MAX_DELAY)
