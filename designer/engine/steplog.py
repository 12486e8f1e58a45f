"""The step log: line splitting, stream markers, the size cap and the publish hook (pure).

Log format (one file per step attempt, UTF-8 where the child wrote UTF-8; bytes are kept
as written):
- a stdout line is written verbatim;
- a stderr line is prefixed with ``[stderr] ``;
- a line written by Conveyor itself is prefixed with ``[conveyor] ``;
- a line longer than 64 KiB is split into 64 KiB pieces, and a last line without a newline
  gets one.
Once the log reaches the cap, one line ``[conveyor] log truncated after N bytes; further
output discarded`` is written and the pipes keep being drained (the child never blocks);
the stderr tail is still taken from everything the child wrote. The publish hook
``on_line(stream, line)`` gets ``stream`` in {"stdout", "stderr", "conveyor"} and the line
without its newline; it stops receiving child output at the cap too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import BinaryIO

logger = logging.getLogger(__name__)

MAX_LINE = 64 * 1024
# Enough bytes for the last 20 stderr lines of any reasonable program.
_STDERR_KEEP = 64 * 1024


class LogSink:
    """Writes lines to the log file up to the cap and relays them to the publish hook."""

    def __init__(self, log: BinaryIO, cap: int, on_line: Callable[[str, str], None] | None):
        self.log = log
        self.cap = cap
        self.on_line = on_line
        self.written = 0
        self.truncated = False
        self._hook_failed = False

    def child_line(self, stream: str, line: bytes) -> None:
        """Record one complete line (with or without its newline) from the child."""
        if self.truncated:
            return
        body = line if line.endswith(b"\n") else line + b"\n"
        data = (b"[stderr] " + body) if stream == "stderr" else body
        if self.written + len(data) > self.cap:
            self.truncated = True
            self.note(f"log truncated after {self.written} bytes; further output discarded")
            return
        self._write(data)
        self._publish(stream, body[:-1].decode("utf-8", "replace"))

    def note(self, text: str) -> None:
        """Write a Conveyor line; these are few and bypass the cap so they are always seen."""
        self._write(f"[conveyor] {text}\n".encode())
        self._publish("conveyor", text)

    def _write(self, data: bytes) -> None:
        self.log.write(data)
        self.written += len(data)

    def _publish(self, stream: str, text: str) -> None:
        if self.on_line is None:
            return
        try:
            self.on_line(stream, text)
        except Exception:
            # A broken live view must not fail the step; say so once, keep trying.
            if not self._hook_failed:
                logger.exception("on_line publish hook failed; step output continues")
            self._hook_failed = True


class LineSplitter:
    """Splits one pipe's bytes into lines for the sink; keeps stderr's recent bytes."""

    def __init__(self, name: str, sink: LogSink) -> None:
        self.name = name
        self.sink = sink
        self.pending = b""
        self.recent = b""
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        if self.name == "stderr":
            self.recent = (self.recent + chunk)[-_STDERR_KEEP:]
        if self.sink.truncated:
            return  # Past the cap only the counting above matters: skip the splitting.
        data = self.pending + chunk
        start = 0
        while (end := data.find(b"\n", start)) != -1:
            self._emit(data[start : end + 1])
            start = end + 1
        self.pending = data[start:]
        while len(self.pending) >= MAX_LINE:
            self._emit(self.pending[:MAX_LINE])
            self.pending = self.pending[MAX_LINE:]

    def _emit(self, line: bytes) -> None:
        for i in range(0, len(line), MAX_LINE):
            self.sink.child_line(self.name, line[i : i + MAX_LINE])

    def close(self) -> None:
        if self.pending:
            self.sink.child_line(self.name, self.pending)
        self.pending = b""

    def tail(self, lines: int) -> str:
        text = self.recent.decode("utf-8", "replace")
        return "\n".join(text.splitlines()[-lines:])
