"""The companion thread of a running step: heartbeat, cancellation polling, log batching."""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import QuerySet
from django.utils import timezone

from designer.engine import events
from designer.engine.models import Run, Status, StepRun
from designer.engine.state import run_journal

LOG_BATCH_SECONDS = 0.1


class StepMonitor(threading.Thread):
    """Beats the step's heartbeat, watches for cancellation and publishes log lines.

    `cancel` is set when the run is canceled or the step was taken away from this worker
    (the reaper re-queued it); the runner then stops the subprocess.
    """

    def __init__(self, step: StepRun) -> None:
        super().__init__(name=f"step-monitor-{step.pk}", daemon=True)
        self.step = step
        self.cancel = threading.Event()
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._lines: list[list[str]] = []
        self._pid: int | None = None

    def line(self, stream: str, text: str) -> None:
        """The runner's on_line hook: queue a line for the next batch."""
        with self._lock:
            self._lines.append([stream, text])

    def started(self, pid: int) -> None:
        """The runner's on_start hook."""
        self._pid = pid

    def stop(self) -> None:
        """Flush the last lines and end the thread."""
        self._done.set()
        self.join()

    def run(self) -> None:
        close_old_connections()
        try:
            self._loop()
        finally:
            connection.close()

    def _loop(self) -> None:
        beat_every = settings.ENGINE_HEARTBEAT_INTERVAL
        poll_every = settings.ENGINE_CANCEL_POLL
        next_beat = next_poll = time.monotonic()
        while not self._done.wait(LOG_BATCH_SECONDS):
            self._flush()
            now = time.monotonic()
            if self._pid is not None:
                self._record_pid()
            if now >= next_poll:
                next_poll = now + poll_every
                if Run.objects.filter(pk=self.step.run_id, cancel_requested=True).exists():
                    self.cancel.set()
            if now >= next_beat:
                next_beat = now + beat_every
                self._beat()
        self._flush()
        if self._pid is not None:
            self._record_pid()

    def _mine(self) -> QuerySet[StepRun]:
        return StepRun.objects.filter(
            pk=self.step.pk, status=Status.RUNNING, attempt=self.step.attempt
        )

    def _beat(self) -> None:
        if not self._mine().update(heartbeat_at=timezone.now()):
            self.cancel.set()  # The reaper gave this step to another worker.

    def _record_pid(self) -> None:
        pid, self._pid = self._pid, None
        self._mine().update(pid=pid)

    def _flush(self) -> None:
        with self._lock:
            lines, self._lines = self._lines, []
        if not lines:
            return
        payload = {
            "node": self.step.node_id,
            "step": self.step.pk,
            "attempt": self.step.attempt,
            "lines": lines,
        }
        with run_journal(self.step.run_id) as journal:
            journal.append(events.STEP_LOG, payload)
