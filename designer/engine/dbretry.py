"""Waiting out a database outage in a worker: reconnect and retry with backoff."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections

T = TypeVar("T")
logger = logging.getLogger(__name__)

FIRST_DELAY = 0.2
MAX_DELAY = 5.0
# A step being recorded sends no heartbeat, and reapers resume one reaper timeout after the
# database is back: the retry must come well within that, or a finished step is re-run.
GRACE_SHARE = 0.25
# How long a worker waits for the database before giving up on an action (the step then
# stays Running without a heartbeat, and the reaper of any worker recovers it).
GIVE_UP_AFTER = 600.0


def db_retry(action: Callable[[], T], *, what: str, give_up_after: float = GIVE_UP_AFTER) -> T:
    """Run `action`; on OperationalError/InterfaceError close the connection, wait, retry.

    action: a callable that runs its own transaction (never called inside one: a broken
    transaction cannot be resumed). what: named in the log lines.
    give_up_after: seconds of failures after which the last error is raised.
    """
    delay, started = FIRST_DELAY, time.monotonic()
    while True:
        try:
            return action()
        except (OperationalError, InterfaceError) as exc:
            if time.monotonic() - started > give_up_after:
                raise
            logger.warning(
                "%s: the database is unreachable (%s); retrying in %.1f s", what, exc, delay
            )
            _close_broken()
            time.sleep(delay)
            delay = min(delay * 2, _max_delay())


def _max_delay() -> float:
    return max(0.05, min(MAX_DELAY, settings.ENGINE_REAPER_TIMEOUT * GRACE_SHARE))


def _close_broken() -> None:
    """Drop this thread's connections, so the next query reconnects."""
    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block:
            continue  # An enclosing transaction owns it (and will fail on its own).
        with contextlib.suppress(Exception):  # Already broken: closing is best effort.
            conn.close()
