"""Comparing runs: inputs, per-step facts and cache keys, metrics with every run's value,
images by output; and the metrics of many runs for the runs list's columns."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.live.conftest import engine
from tests.live.test_output_previews import PNG, with_output

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_run(make_version: Any, owner: Any) -> Any:
    from designer.engine.submit import run_submit

    doc = engine.document(
        [engine.node("a", "t_echo@1", text="A"), engine.node("b", "t_echo@1", text="b")]
    )
    return run_submit(pipeline_version=make_version(doc), user=owner)


def keyed(run: Any, **keys: str) -> None:
    for node, key in keys.items():
        run.steps.filter(node_id=node).update(cache_key=key)


def test_two_runs_compare_step_by_step_with_metrics_and_images(api, run, other_run):
    keyed(run, a="k-a1", b="k-b")
    keyed(other_run, a="k-a2", b="k-b")
    with_output(run, "a", "eval", {"metrics.json": json.dumps({"accuracy": 0.8}).encode()})
    with_output(run, "a", "plots", {"roc.png": PNG})
    with_output(other_run, "a", "eval", {"metrics.json": b'{"accuracy": 0.9, "f1": 0.7}'})
    response = api.get(f"/api/runs/compare/?ids={run.pk},{other_run.pk}")
    assert response.status_code == 200, response.content
    data = response.json()
    assert [r["id"] for r in data["runs"]] == [run.pk, other_run.pk]
    steps = {s["node"]: s for s in data["steps"]}
    assert steps["a"]["cache_differs"] is True
    assert steps["b"]["cache_differs"] is False
    assert steps["a"]["runs"][1]["cache_key"] == "k-a2"
    assert set(steps["a"]["runs"][0]) == {"status", "reused", "reason", "duration_ms", "cache_key"}
    assert data["metrics"] == [
        {"key": "a.eval/accuracy", "values": [0.8, 0.9]},
        {"key": "a.eval/f1", "values": [None, 0.7]},
    ]
    assert data["images"] == [
        {"node": "a", "port": "plots", "path": "roc.png", "runs": [True, False]}
    ]
    assert {n["id"] for n in data["document"]["nodes"]} == {"a", "b"}


def test_the_runs_list_gets_each_runs_metrics_by_id(api, run, other_run):
    with_output(other_run, "a", "eval", {"metrics.json": b'{"auc": 0.95}'})
    data = api.get(f"/api/runs/metrics/?ids={run.pk},{other_run.pk}").json()
    assert data == {str(run.pk): {}, str(other_run.pk): {"a.eval/auc": 0.95}}


@pytest.mark.parametrize("ids", ["", "1,x", "-1", ",".join(str(i) for i in range(1, 12))])
def test_bad_ids_are_refused_with_400_naming_ids(api, run, ids):
    response = api.get(f"/api/runs/compare/?ids={ids}")
    assert response.status_code == 400
    assert "ids" in response.json()["details"]


def test_someone_elses_run_in_a_comparison_is_a_404_naming_it(outsider_api, api, run, other_run):
    response = outsider_api.get(f"/api/runs/compare/?ids={run.pk},{other_run.pk}")
    assert response.status_code == 404
    assert str(run.pk) in response.json()["message"]
