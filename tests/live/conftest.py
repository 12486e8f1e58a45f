"""Live-run test helpers: a run with stored events, a socket to it, frames flattened."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine import conftest as engine

components = engine.components
make_version = engine.make_version


@pytest.fixture
def run(make_version: Any, owner: Any) -> Any:
    """A submitted two-step run of the owner (no worker: its steps stay queued)."""
    from designer.engine.submit import run_submit

    doc = engine.document(
        [engine.node("a", "t_echo@1", text="a"), engine.node("b", "t_echo@1", text="b")]
    )
    return run_submit(pipeline_version=make_version(doc), user=owner)


def add_events(run: Any, *items: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Store events after the run's last seq the way the engine does; returns them."""
    from designer.engine.state import run_journal

    with run_journal(run.pk) as journal:
        for type_, payload in items:
            journal.append(type_, payload)
        pending = list(journal.pending)
    return [event.as_dict() for event in pending]


def log_event(node_id: str, *lines: str) -> tuple[str, dict[str, Any]]:
    payload = {"node": node_id, "step": 0, "attempt": 1, "lines": [["stdout", t] for t in lines]}
    return ("step.log", payload)


def status_event(node_id: str, status: str) -> tuple[str, dict[str, Any]]:
    return ("step.status", {"node": node_id, "step": 0, "status": status, "attempt": 1})
