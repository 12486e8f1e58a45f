"""Each template runs to completion on embedded workers; an unchanged rerun is fully reused."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from designer.engine.submit import run_rerun, run_submit
from designer.pipelines.models import PipelineTemplate
from designer.pipelines.samples import template_instantiate
from tests.factories import steps_of, wait_run

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

RUN_TIMEOUT = 240.0


def output_file(step: Any, port: str, name: str) -> Path:
    return Path(settings.ARTIFACTS_DIR) / step.outputs[port]["path"] / name


def metrics(step: Any, port: str = "evaluation") -> dict[str, float]:
    return json.loads(output_file(step, port, "metrics.json").read_text())


def check_iris(steps: dict[str, Any]) -> None:
    result = metrics(steps["evaluate"])
    assert result["accuracy"] > 0.8, result
    assert result["f1_macro"] > 0.8, result
    assert output_file(steps["evaluate"], "evaluation", "confusion_matrix.png").stat().st_size


def check_diabetes(steps: dict[str, Any]) -> None:
    result = metrics(steps["evaluate"])
    assert result["r2"] > 0.2, result
    assert 0 < result["mae"] < result["rmse"] < 100, result


def check_breast_cancer(steps: dict[str, Any]) -> None:
    for node in ("evaluate_lr", "evaluate_rf"):
        result = metrics(steps[node])
        assert result["accuracy"] > 0.9, (node, result)
        assert result["roc_auc"] > 0.9, (node, result)
    table = output_file(steps["compare"], "comparison", "data.csv").read_text()
    assert "accuracy" in table and "logistic_regression" in table and "random_forest" in table


CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "iris-classification": check_iris,
    "diabetes-regression": check_diabetes,
    "breast-cancer-comparison": check_breast_cancer,
}


def run_dirs() -> set[Path]:
    return set((Path(settings.ARTIFACTS_DIR) / "runs").glob("*/*"))


@pytest.fixture
def popen_calls(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every subprocess started from now on (the engine runs each step as one)."""
    calls: list[Any] = []
    real = subprocess.Popen

    class CountingPopen(real):  # type: ignore[misc, valid-type]
        def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
            calls.append(args)
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", CountingPopen)
    return calls


@pytest.mark.parametrize("slug", sorted(CHECKS))
def test_each_template_runs_to_completion_and_an_unchanged_rerun_is_fully_reused(
    slug, templates, embedded, owner, request
):
    template = PipelineTemplate.objects.get(slug=slug)
    pipeline = template_instantiate(template=template, owner=owner)
    version = pipeline.versions.get()
    assert version.is_valid, version.errors

    first = wait_run(run_submit(pipeline_version=version, user=owner), timeout=RUN_TIMEOUT)
    steps = steps_of(first)
    failed = {n: s.error for n, s in steps.items() if s.status != "Completed"}
    assert first.status == "Completed", failed
    assert len(steps) == template.node_count
    assert not any(s.reused for s in steps.values())
    CHECKS[slug](steps)

    before = run_dirs()
    popen_calls = request.getfixturevalue("popen_calls")
    second = wait_run(run_rerun(run=first, user=owner), timeout=RUN_TIMEOUT)
    again = steps_of(second)
    assert second.status == "Completed"
    assert all(s.status == "Completed" and s.reused for s in again.values()), {
        n: (s.status, s.reused, s.reason) for n, s in again.items()
    }
    assert {n: s.reused_from_id for n, s in again.items()} == {n: s.pk for n, s in steps.items()}
    assert {n: s.outputs for n, s in again.items()} == {n: s.outputs for n, s in steps.items()}
    assert all(not s.log_path for s in again.values())
    assert popen_calls == []
    assert run_dirs() == before
