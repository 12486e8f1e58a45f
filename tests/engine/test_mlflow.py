"""mlflow in steps: a per-step file store, read back into the step's `mlflow` output."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from designer.engine.artifacts import UnsafeOutputError
from designer.engine.mlflow_runs import mlflow_record, mlflow_summarise
from designer.engine.submit import run_submit
from designer.registry.services import component_register_file
from tests.factories import document, node, steps_of, wait_run

COMPONENT = Path(__file__).parent / "mlflow_components" / "mlflow_train" / "component.yml"
BUILD_TIMEOUT = 600.0


def write_run(store: Path, run_id: str = "abc123", name: str = "train") -> Path:
    """A run as mlflow's file store lays it out."""
    run = store / "0" / run_id
    for folder in ("metrics", "params", "tags", "artifacts"):
        (run / folder).mkdir(parents=True)
    (store / "0" / "meta.yaml").write_text("name: Default\n")
    (run / "meta.yaml").write_text(f"run_id: {run_id}\n")
    (run / "metrics" / "loss").write_text("1 0.5 0\n2 0.25 1\n3 nan 2\n")
    (run / "params" / "alpha").write_text("0.5")
    (run / "tags" / "mlflow.runName").write_text(name)
    (run / "tags" / "team").write_text("blue")
    return run


def test_a_file_store_is_summarised_as_metrics_params_and_tags(tmp_path):
    write_run(tmp_path / "mlruns")
    summary = mlflow_summarise(tmp_path)
    assert json.loads((tmp_path / "metrics.json").read_text()) == {"loss": 0.25}
    assert json.loads((tmp_path / "params.json").read_text()) == {"alpha": "0.5"}
    assert json.loads((tmp_path / "tags.json").read_text()) == {"team": "blue"}
    assert summary["history"] == {"loss": [[0, 0.5], [1, 0.25]]}


def test_two_runs_are_told_apart_by_their_names(tmp_path):
    write_run(tmp_path / "mlruns", "r1", "first")
    write_run(tmp_path / "mlruns", "r2", "second")
    metrics = mlflow_summarise(tmp_path)["metrics"]
    assert metrics == {"first.loss": 0.25, "second.loss": 0.25}


def test_a_store_holding_a_symlink_fails_the_step_instead_of_being_read(tmp_path):
    run = write_run(tmp_path / "mlruns")
    os.symlink("/etc/passwd", run / "params" / "leak")
    with pytest.raises(UnsafeOutputError):
        mlflow_record(tmp_path, owner=None)
    assert not (tmp_path / "params.json").exists()


def test_a_step_that_never_used_mlflow_leaves_no_output(tmp_path):
    assert mlflow_record(tmp_path / "mlflow", owner=None) is None


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
def test_a_step_whose_environment_installs_mlflow_gets_its_logging_as_an_output(
    embedded: Any, make_version: Any, owner: Any
) -> None:
    component_register_file(COMPONENT, source="command")
    doc = document([node("train", "mlflow_train@1", alpha=2.0), node("plain", "t_echo@1")])
    run = wait_run(run_submit(pipeline_version=make_version(doc), user=owner), BUILD_TIMEOUT)
    steps = steps_of(run)
    assert run.status == "Completed", {k: s.error for k, s in steps.items()}
    logged = Path(settings.ARTIFACTS_DIR) / steps["train"].outputs["mlflow"]["path"]
    assert json.loads((logged / "metrics.json").read_text()) == {"accuracy": 0.9, "loss": 0.5}
    assert json.loads((logged / "params.json").read_text()) == {"alpha": "2.0"}
    assert json.loads((logged / "tags.json").read_text()) == {"stage": "demo"}
    assert list(logged.glob("mlruns/0/*/artifacts/model.txt"))
    assert "mlflow" not in steps["plain"].outputs  # no mlflow in its environment: no change
