"""What a run socket sends next: events in order, chatty step logs merged and capped (pure).

Events go out in frames ``{"type": "events", "events": [...], "last_seq": N}``. Within a
frame, consecutive ``step.log`` events of one step attempt are merged into the first of
them (it takes the later ``seq``), so seqs inside a frame need not be sorted; a client
applies a frame as a whole and remembers ``last_seq``, which covers every event up to it.
At most ``max_lines`` log lines per step attempt go into one frame; the surplus is counted
in the payload's ``dropped`` and announced by one ``conveyor`` line (the full log stays
available over HTTP).
"""

from __future__ import annotations

import copy
from typing import Any

Event = dict[str, Any]
STEP_LOG = "step.log"
MAX_LINES_PER_FRAME = 500


class Outbox:
    """Events waiting to be sent on one socket."""

    def __init__(self, max_lines: int = MAX_LINES_PER_FRAME) -> None:
        self.max_lines = max_lines
        self.events: list[Event] = []
        self.last_seq = 0
        self._open_logs: dict[tuple[str, int], Event] = {}

    def __len__(self) -> int:
        return len(self.events)

    @property
    def urgent(self) -> bool:
        """Whether a state change (anything but a log line) is waiting: send it at once."""
        return any(event["type"] != STEP_LOG for event in self.events)

    def add(self, event: Event) -> None:
        """Queue one event (events must be added in seq order)."""
        self.last_seq = max(self.last_seq, int(event["seq"]))
        payload = event.get("payload") or {}
        node = str(payload.get("node", ""))
        if event["type"] != STEP_LOG:
            # A later log line must not jump ahead of this step's state change.
            for key in [key for key in self._open_logs if key[0] == node]:
                del self._open_logs[key]
            self.events.append(event)
            return
        key = (node, int(payload.get("attempt") or 0))
        merged = self._open_logs.get(key)
        if merged is None:
            merged = copy.deepcopy(event)
            merged["payload"].setdefault("dropped", 0)
            merged["payload"]["lines"] = []
            self._open_logs[key] = merged
            self.events.append(merged)
        self._append_lines(merged, event)

    def _append_lines(self, merged: Event, event: Event) -> None:
        merged["seq"] = event["seq"]
        merged["created_at"] = event.get("created_at")
        target = merged["payload"]
        lines = list(event["payload"].get("lines") or [])
        room = max(self.max_lines - len(target["lines"]), 0)
        target["lines"].extend(lines[:room])
        target["dropped"] += (
            len(lines) - min(room, len(lines)) + int(event["payload"].get("dropped") or 0)
        )

    def drain(self) -> dict[str, Any] | None:
        """The next frame to send, or None when nothing waits."""
        if not self.events:
            return None
        events, self.events = self.events, []
        self._open_logs = {}
        for event in events:
            dropped = event["payload"].get("dropped") if event["type"] == STEP_LOG else 0
            if dropped:
                note = f"{dropped} lines not shown live; the full log has them"
                event["payload"]["lines"].append(["conveyor", note])
        return {"type": "events", "events": events, "last_seq": self.last_seq}
