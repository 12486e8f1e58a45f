"""Embedded mode: Dramatiq worker threads on the in-process broker, inside the server."""

from __future__ import annotations

import dramatiq
from django.conf import settings

_workers: list[dramatiq.Worker] = []


def embedded_worker_start(*, threads: int | None = None) -> dramatiq.Worker:
    """Start worker threads serving every compute pool on the configured broker.

    threads: how many steps may run at once (default settings.WORKER_THREADS).
    """
    import designer.engine.tasks  # noqa: F401  (declares the actor and the pool queues)
    from designer.engine.middleware import connections_keep

    broker = dramatiq.get_broker()
    connections_keep(broker)
    worker = dramatiq.Worker(broker, worker_threads=threads or settings.WORKER_THREADS)
    worker.start()
    _workers.append(worker)
    return worker


def embedded_worker_stop(worker: dramatiq.Worker | None = None) -> None:
    """Stop one embedded worker (or all), letting running steps finish."""
    for item in [worker] if worker is not None else list(_workers):
        if item in _workers:
            _workers.remove(item)
        item.stop(timeout=60_000)
        # Worker.start() added a middleware that would keep serving this stopped worker.
        broker = item.broker
        broker.middleware = [m for m in broker.middleware if getattr(m, "worker", None) is not item]
