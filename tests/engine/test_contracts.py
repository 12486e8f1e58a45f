"""Contract fixtures shared with the front end (frontend/src/lib/contracts.test.ts reads the
same files): the run event names and payloads, and the port compatibility table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from designer.engine import events
from designer.pipelines.types import compatibility_matrix
from tests.factories import document, edge, node, pipeline_version, run_start, wait_run

CONTRACTS = Path(__file__).parent.parent / "fixtures" / "contracts"


def _contract(name: str) -> dict[str, Any]:
    return json.loads((CONTRACTS / name).read_text())


def test_the_port_compatibility_table_is_the_contract() -> None:
    assert compatibility_matrix() == _contract("port_compatibility.json")["compatibility"]


def test_the_run_event_names_are_the_contract() -> None:
    assert sorted(events.EVENT_TYPES) == sorted(_contract("run_events.json")["events"])


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
def test_every_event_of_a_real_run_carries_the_contract_payload(
    components: Any, owner: Any, embedded: Any
) -> None:
    from designer.engine.models import RunEvent

    doc = document(
        [node("a", "t_echo@1", text="hi"), node("b", "t_echo@1")], [edge("a.out", "b.data")]
    )
    run = wait_run(run_start(pipeline_version(doc, owner=owner), user=owner))
    assert run.status == "Completed", run.error
    contract = _contract("run_events.json")["events"]
    seen: dict[str, set[str]] = {}
    for event in RunEvent.objects.filter(run=run):
        seen.setdefault(event.type, set()).update(event.payload)
        missing = set(contract[event.type]) - set(event.payload)
        assert not missing, (event.type, missing)
    assert set(seen) == set(contract)
