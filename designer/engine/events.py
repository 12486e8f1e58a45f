"""The publish hook: callbacks that receive every run event once it is committed.

Event types (stable names; the live view and the API replay rely on them):

- ``run.status``: ``{"status", "error"}``
- ``step.status``: ``{"node", "step", "status", "attempt", "reused", "reused_from",
  "reason", "error", "exit_code", "worker"}``
- ``step.log``: ``{"node", "step", "attempt", "lines": [[stream, text], ...]}`` where
  stream is stdout, stderr or conveyor (lines are batched about every 100 ms)
- ``step.output``: ``{"node", "step", "port", "type", "path", "sha256", "size", "kind"}``

An event as delivered: ``{"run", "seq", "type", "payload", "created_at"}``; ``seq`` is
gap-free per run, so a client that saw seq N replays from ``/api/runs/<id>/events/?after=N``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

RUN_STATUS = "run.status"
STEP_STATUS = "step.status"
STEP_LOG = "step.log"
STEP_OUTPUT = "step.output"
EVENT_TYPES = (RUN_STATUS, STEP_STATUS, STEP_LOG, STEP_OUTPUT)

Event = dict[str, Any]
Subscriber = Callable[[Event], None]
_subscribers: list[Subscriber] = []


def subscribe(callback: Subscriber) -> Callable[[], None]:
    """Call `callback(event)` for every committed event; returns a function that unsubscribes.

    callback: must be quick and thread-safe: it runs in the thread that committed.
    """
    _subscribers.append(callback)

    def unsubscribe() -> None:
        if callback in _subscribers:
            _subscribers.remove(callback)

    return unsubscribe


def publish(events: list[Event]) -> None:
    """Hand committed events to every subscriber; a failing subscriber is logged, not raised."""
    for callback in list(_subscribers):
        for event in events:
            try:
                callback(event)
            except Exception:
                logger.exception("run event subscriber %r failed", callback)
