"""Relays every committed run event to the channel layer group ``run-<id>``, in commit order.

The engine calls subscribers in whichever thread committed (a worker thread, a request
thread, a rundramatiq process). They hand the event to a `Relay`, which sends it from one
event loop, one event after the other:

- channels-redis (scale-out, or embedded with ``CONVEYOR_CHANNELS_URL``): a daemon thread
  with its own loop and a persistent Redis connection; workers in other processes publish
  this way and the web process's consumers receive.
- the in-memory layer (embedded): its queues belong to the server's event loop and are not
  thread-safe, so events are sent from that loop (bound by the first consumer). A process
  with no consumer has nobody to tell and drops them: the database has every event and
  sockets replay from it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from channels.layers import InMemoryChannelLayer, get_channel_layer

from designer.engine import events

logger = logging.getLogger(__name__)

MESSAGE_TYPE = "run.events"  # dispatched to RunConsumer.run_events
BATCH_MAX = 500


def group_name(run_id: int | str) -> str:
    return f"run-{run_id}"


class Relay:
    """Sends events to the channel layer from one event loop, in the order handed over."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[dict[str, Any]] | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Send from `loop` from now on (the server's loop, for the in-memory layer)."""
        with self._lock:
            if self._loop is loop:
                return
            self._start_pump(loop)

    def submit(self, event: dict[str, Any]) -> None:
        """Queue one committed event for its run's group; never blocks, never raises."""
        loop, queue = self._target()
        if loop is None or queue is None:
            return
        try:
            loop.call_soon_threadsafe(queue.put_nowait, event)
        except RuntimeError:  # the loop was closed (a test's loop, a stopping server)
            with self._lock:
                if self._loop is loop:
                    self._loop = self._queue = None

    def _target(
        self,
    ) -> tuple[asyncio.AbstractEventLoop | None, asyncio.Queue[dict[str, Any]] | None]:
        with self._lock:
            if self._loop is None and not isinstance(get_channel_layer(), InMemoryChannelLayer):
                loop = asyncio.new_event_loop()
                threading.Thread(
                    target=loop.run_forever, name="conveyor-live-relay", daemon=True
                ).start()
                self._start_pump(loop)
            return self._loop, self._queue

    def _start_pump(self, loop: asyncio.AbstractEventLoop) -> None:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._loop, self._queue = loop, queue
        asyncio.run_coroutine_threadsafe(_pump(queue), loop)


async def _pump(queue: asyncio.Queue[dict[str, Any]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    while True:
        # One message per run for whatever is waiting: a step completing can queue a hundred
        # downstream steps in one commit, and a round trip each would delay the last one.
        batch = [await queue.get()]
        while not queue.empty() and len(batch) < BATCH_MAX:
            batch.append(queue.get_nowait())
        by_run: dict[Any, list[dict[str, Any]]] = {}
        for event in batch:
            by_run.setdefault(event["run"], []).append(event)
        for run_id, run_events in by_run.items():
            try:
                await layer.group_send(
                    group_name(run_id), {"type": MESSAGE_TYPE, "events": run_events}
                )
            except Exception:
                logger.exception("could not relay %d events of run %s", len(run_events), run_id)


relay = Relay()
_unsubscribe: Any = None


def install() -> None:
    """Subscribe the relay to the engine's committed events (once per process)."""
    global _unsubscribe
    if _unsubscribe is None:
        _unsubscribe = events.subscribe(relay.submit)
