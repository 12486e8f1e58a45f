"""Content-addressed reuse: what reruns and what does not (live: embedded workers)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from designer.engine.submit import run_rerun, run_submit
from tests.factories import document, edge, node, steps_of, wait_run

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


def chain(text_b: str = "two", component_b: str = "t_echo@1", **settings_: object) -> dict:
    return document(
        [
            node("a", "t_echo@1", text="one"),
            node("b", component_b, text=text_b),
            node("c", "t_echo@1", text="three"),
        ],
        [edge("a.out", "b.data"), edge("b.out", "c.data")],
        **settings_,
    )


def run_dirs() -> set[Path]:
    return set((Path(settings.ARTIFACTS_DIR) / "runs").glob("*/*"))


def test_an_unchanged_rerun_reuses_every_step_and_starts_no_subprocess(
    embedded, make_version, owner
):
    first = wait_run(run_submit(pipeline_version=make_version(chain()), user=owner))
    before = run_dirs()
    second = run_rerun(run=first, user=owner)
    second = wait_run(second)
    steps, originals = steps_of(second), steps_of(first)
    assert second.status == "Completed"
    assert all(s.reused for s in steps.values())
    assert steps["b"].reused_from_id == originals["b"].pk
    assert steps["b"].reason == f"reused from run {first.pk}"
    assert steps["c"].outputs == originals["c"].outputs
    assert all(not s.log_path for s in steps.values())
    assert run_dirs() == before


def test_changing_one_parameter_reruns_only_that_node_and_its_downstream(
    embedded, make_version, owner
):
    wait_run(run_submit(pipeline_version=make_version(chain()), user=owner))
    second = wait_run(run_submit(pipeline_version=make_version(chain(text_b="TWO")), user=owner))
    steps = steps_of(second)
    assert steps["a"].reused
    assert not steps["b"].reused and steps["b"].reason == "parameter text changed"
    assert not steps["c"].reused and steps["c"].reason == "input data changed"


def test_a_new_component_version_reruns_that_node(embedded, make_version, owner):
    wait_run(run_submit(pipeline_version=make_version(chain()), user=owner))
    second = wait_run(
        run_submit(pipeline_version=make_version(chain(component_b="t_echo@2")), user=owner)
    )
    steps = steps_of(second)
    assert steps["a"].reused
    assert not steps["b"].reused and steps["b"].reason == "component changed"


def test_force_rerun_runs_every_step_again(embedded, make_version, owner):
    first = wait_run(run_submit(pipeline_version=make_version(chain()), user=owner))
    second = wait_run(
        run_submit(
            pipeline_version=first.pipeline_version, user=owner, settings={"force_rerun": True}
        )
    )
    steps = steps_of(second)
    assert not any(s.reused for s in steps.values())
    assert steps["a"].reason == "forced"


def test_a_non_deterministic_component_always_runs(embedded, make_version, owner):
    version = make_version(document([node("r", "t_random@1")]))
    wait_run(run_submit(pipeline_version=version, user=owner))
    second = wait_run(run_submit(pipeline_version=version, user=owner))
    step = steps_of(second)["r"]
    assert not step.reused and step.reason == "non-deterministic"


def test_a_deleted_artifact_means_the_step_runs_again_without_a_crash(
    embedded, make_version, owner
):
    first = wait_run(run_submit(pipeline_version=make_version(chain()), user=owner))
    out = steps_of(first)["a"].outputs["out"]["path"]
    shutil.rmtree(Path(settings.ARTIFACTS_DIR) / out)
    second = wait_run(run_rerun(run=first, user=owner))
    steps = steps_of(second)
    assert second.status == "Completed"
    assert not steps["a"].reused
    assert steps["a"].reason == "earlier result unavailable"
    assert steps["b"].reused  # same input digest: a's content came back identical


def test_reuse_works_across_pipelines(embedded, make_version, owner):
    wait_run(run_submit(pipeline_version=make_version(chain(), name="one"), user=owner))
    other = wait_run(run_submit(pipeline_version=make_version(chain(), name="two"), user=owner))
    steps = steps_of(other)
    assert all(s.reused for s in steps.values())
    assert other.status == "Completed"
