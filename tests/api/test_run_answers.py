"""The runs API answers with the keys of tests/fixtures/contracts/run_answers.json, in the
formats it always had, at a query count that does not grow with the number of runs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from designer.results.services import run_label_update
from tests.factories import components_register, document, edge, node, pipeline_version

pytestmark = pytest.mark.django_db
CONTRACT = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "contracts" / "run_answers.json").read_text()
)
UTC_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")


@pytest.fixture
def submit(api: Any, owner: Any) -> Any:
    """submit() -> the answer to POST /api/runs/ of a two-step pipeline (steps stay queued)."""
    components_register()
    version = pipeline_version(
        document(
            [node("a", "t_echo@1", text="hi"), node("b", "t_echo@1")], [edge("a.out", "b.data")]
        ),
        owner=owner,
    )

    def send() -> dict[str, Any]:
        response = api.post("/api/runs/", {"pipeline": version.pipeline_id}, format="json")
        assert response.status_code == 201, response.content
        return response.json()

    return send


def test_a_submitted_run_answers_the_contract_keys_with_its_steps_last(submit: Any) -> None:
    answer = submit()
    assert list(answer)[-1] == "steps"
    assert sorted(answer) == sorted([*CONTRACT["run"], "steps"])
    assert [step["node"] for step in answer["steps"]] == ["a", "b"]
    for step in answer["steps"]:
        assert sorted(step) == sorted(CONTRACT["step"])


def test_a_run_detail_answers_the_contract_keys_and_values(api: Any, submit: Any) -> None:
    run = submit()
    answer = api.get(f"/api/runs/{run['id']}/").json()
    assert sorted(answer) == sorted([*CONTRACT["run"], "steps"])
    assert (answer["user"], answer["pipeline_name"], answer["version"]) == ("olivia", "p", 1)
    assert (answer["name"], answer["tags"], answer["rerun_of"]) == ("", {}, None)
    step = answer["steps"][0]
    assert sorted(step) == sorted(CONTRACT["step"])
    assert (step["component"], step["params"], step["attempt"]) == ("t_echo@1", {"text": "hi"}, 1)
    assert (step["start"], step["has_log"], step["reused_from"]) == (None, False, None)


def test_a_runs_list_entry_answers_the_contract_keys_without_steps(api: Any, submit: Any) -> None:
    submit()
    [entry] = api.get("/api/runs/").json()["results"]
    assert sorted(entry) == sorted(CONTRACT["run"])


def test_a_compared_run_answers_the_summary_keys_with_its_label(
    api: Any, submit: Any, owner: Any
) -> None:
    first, second = submit(), submit()
    from designer.engine.models import Run

    run_label_update(run=Run.objects.get(pk=second["id"]), changes={"name": "tuned"})
    answer = api.get(f"/api/runs/compare/?ids={first['id']},{second['id']}").json()
    for run in answer["runs"]:
        assert sorted(run) == sorted(CONTRACT["run_summary"])
    assert [run["name"] for run in answer["runs"]] == ["", "tuned"]


def test_answer_times_are_iso_8601_in_utc_ending_in_z(api: Any, submit: Any) -> None:
    run = submit()
    answer = api.get(f"/api/runs/{run['id']}/").json()
    assert UTC_ISO.match(answer["created_at"]), answer["created_at"]
    queued = [step["queued_at"] for step in answer["steps"] if step["queued_at"]]
    assert queued and all(UTC_ISO.match(value) for value in queued), queued
    assert answer["ended_at"] is None


def _queries(api: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    return len(queries)


def test_listing_runs_costs_as_many_queries_for_three_labelled_runs_as_for_one(
    api: Any, submit: Any
) -> None:
    from designer.engine.models import Run

    submit()
    one = _queries(api, "/api/runs/")
    for _ in range(2):
        run = Run.objects.get(pk=submit()["id"])
        run_label_update(run=run, changes={"name": f"run {run.pk}"})
    assert _queries(api, "/api/runs/") == one


def test_comparing_runs_costs_no_query_per_run_for_its_label(api: Any, submit: Any) -> None:
    ids = [submit()["id"] for _ in range(3)]
    two = _queries(api, f"/api/runs/compare/?ids={ids[0]},{ids[1]}")
    three = _queries(api, f"/api/runs/compare/?ids={','.join(map(str, ids))}")
    # Each run still reads its own steps (one query): only that may grow.
    assert three - two == 1
