"""The companion of a running step: heartbeat, cancellation polling, log batching.

One daemon thread per process (`_Hub`, started on first use) services every step running
in that process about every 100 ms, so starting a step costs a dict insert, not a thread
and a database connection. A step's first lines wait one batch period; its last lines are
written by the worker thread, with the step's finish (`append_last_lines`) or by `stop`.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import QuerySet
from django.utils import timezone

from designer.engine import events
from designer.engine.connections import connections_tidy
from designer.engine.dbretry import db_retry
from designer.engine.models import Run, Status, StepRun
from designer.engine.state import Journal, run_journal

LOG_BATCH_SECONDS = 0.1
# The pid is diagnostics only: a step that ends sooner than this never writes it (its
# UPDATE would be one more write transaction competing for the database per short step).
PID_RECORD_AFTER = 1.0
logger = logging.getLogger(__name__)


class StepMonitor:
    """Beats the step's heartbeat, watches for cancellation and publishes log lines.

    `cancel` is set when the run is canceled or the step was taken away from this worker
    (the reaper re-queued it); the runner then stops the subprocess.
    """

    def __init__(self, step: StepRun) -> None:
        self.step = step
        self.cancel = threading.Event()
        self._lock = threading.Lock()  # Guards the lines.
        self._busy = threading.Lock()  # One tick or final flush at a time.
        self._lines: list[list[str]] = []
        self._pid: int | None = None
        self._pid_due = 0.0
        # The claim just wrote the heartbeat and checked cancellation under the run lock:
        # the first beat and poll are due one interval later (a short step needs neither).
        now = time.monotonic()
        # The first lines wait one batch period too: a step that ends sooner publishes them
        # with its finish, in that transaction, instead of one more taking the run lock.
        self._first_flush = now + LOG_BATCH_SECONDS
        self._next_beat = now + settings.ENGINE_HEARTBEAT_INTERVAL
        self._next_poll = now + settings.ENGINE_CANCEL_POLL
        self._stopped = False

    def line(self, stream: str, text: str) -> None:
        """The runner's on_line hook: queue a line for the next batch."""
        with self._lock:
            self._lines.append([stream, text])

    def started(self, pid: int) -> None:
        """The runner's on_start hook."""
        self._pid_due = time.monotonic() + PID_RECORD_AFTER
        self._pid = pid

    def start(self) -> None:
        """Have the process's monitor thread service this step."""
        _hub().add(self)

    def stop(self, *, flush: bool = True) -> None:
        """Stop servicing this step and flush its last lines (in the calling thread).

        flush: False keeps the last lines for `append_last_lines` (written with the step's
        finish, in its transaction) or a later `flush_last`.
        """
        _hub().remove(self)
        with self._busy:
            self._stopped = True
        if flush:
            self.flush_last()

    def flush_last(self) -> None:
        """Publish the lines not published yet in a transaction of their own."""
        with self._busy:
            try:
                # A database outage must not fail the step: its lines are in the log file
                # anyway; only their live events wait (or, past the limit, are dropped).
                db_retry(self._flush, what=f"step {self.step.pk} log lines", give_up_after=30)
            except DatabaseError as exc:
                logger.warning("step %s: last log lines not published: %s", self.step.pk, exc)

    def tick(self) -> None:
        """One round of duties; called by the hub thread about every 100 ms."""
        with self._busy:
            if self._stopped:
                return
            now = time.monotonic()
            if now >= self._first_flush:
                self._flush()
            if self._pid is not None and now >= self._pid_due:
                self._record_pid()
            if now >= self._next_poll:
                self._next_poll = now + settings.ENGINE_CANCEL_POLL
                if Run.objects.filter(pk=self.step.run_id, cancel_requested=True).exists():
                    self.cancel.set()
            if now >= self._next_beat:
                self._next_beat = now + settings.ENGINE_HEARTBEAT_INTERVAL
                self._beat()

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
        try:
            with run_journal(self.step.run_id) as journal:
                journal.append(events.STEP_LOG, self._payload(lines))
        except DatabaseError:
            with self._lock:  # Kept for the next flush, in order.
                self._lines = lines + self._lines
            raise

    def append_last_lines(self, journal: Journal) -> None:
        """Append the lines not published yet to `journal`, the open transaction of the
        step's run (after `stop(flush=False)`): a short step's last lines then cost no
        transaction and run lock of their own. They stay here, so a retried transaction
        appends them again."""
        with self._lock:
            lines = list(self._lines)
        if lines:
            journal.append(events.STEP_LOG, self._payload(lines))

    def _payload(self, lines: list[list[str]]) -> dict[str, object]:
        return {
            "node": self.step.node_id,
            "step": self.step.pk,
            "attempt": self.step.attempt,
            "lines": lines,
        }


class _Hub(threading.Thread):
    """Ticks every registered StepMonitor about every LOG_BATCH_SECONDS."""

    def __init__(self) -> None:
        super().__init__(name="conveyor-step-monitor", daemon=True)
        self._monitors: dict[int, StepMonitor] = {}
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)

    def add(self, monitor: StepMonitor) -> None:
        with self._lock:
            self._monitors[id(monitor)] = monitor
            self._wake.notify()

    def remove(self, monitor: StepMonitor) -> None:
        with self._lock:
            self._monitors.pop(id(monitor), None)

    def run(self) -> None:
        while True:
            with self._lock:
                idle = not self._monitors
            if idle:
                connection.close()  # Hold no connection while no step runs here.
            with self._lock:
                while not self._monitors:
                    self._wake.wait()
            time.sleep(LOG_BATCH_SECONDS)
            with self._lock:
                monitors = list(self._monitors.values())
            connections_tidy()  # Kept while steps run; closed above once idle.
            for monitor in monitors:
                try:
                    monitor.tick()
                except Exception:
                    logger.exception("monitoring step %s failed", monitor.step.pk)


_HUB: _Hub | None = None
_HUB_LOCK = threading.Lock()


def _hub() -> _Hub:
    global _HUB
    with _HUB_LOCK:
        if _HUB is None or not _HUB.is_alive():
            _HUB = _Hub()
            _HUB.start()
        return _HUB
