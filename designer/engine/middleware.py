"""Dramatiq middleware: fast queue polling and a reaper thread in every worker."""

from __future__ import annotations

from typing import Any

import dramatiq
from django.conf import settings


def tune_worker(worker: dramatiq.Worker) -> None:
    """Redis consumers back off up to worker_timeout when idle: keep it a few ms."""
    worker.worker_timeout = settings.ENGINE_WORKER_TIMEOUT_MS


class EngineMiddleware(dramatiq.Middleware):
    """Declares the compute pool queues, tunes idle polling, runs the reaper beside workers.

    Every worker (embedded threads or a `rundramatiq` process) runs one reaper thread, so
    a lost worker is noticed as long as any worker is alive. Reaping twice is harmless:
    each recovery is a conditional update.
    """

    def __init__(self) -> None:
        self.reapers: dict[int, Any] = {}

    def before_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        from designer.engine.dispatch import queues_declare

        tune_worker(worker)
        queues_declare(broker)

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        from designer.engine.recovery import Reaper

        reaper = Reaper()
        reaper.start()
        self.reapers[id(worker)] = reaper

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        reaper = self.reapers.pop(id(worker), None)
        if reaper is not None:
            reaper.stop()
