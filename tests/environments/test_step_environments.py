"""Steps run in their component's own environment (live: embedded workers, real uv)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from designer.engine.submit import run_submit
from designer.registry.services import component_register_file
from tests.factories import document, node, steps_of, wait_run

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
COMPONENTS = Path(__file__).parent / "components"
# A first build downloads wheels; later ones come from uv's cache and the built folder.
BUILD_TIMEOUT = 600.0


@pytest.fixture
def registered(db: None) -> dict[str, Any]:
    return {
        path.parent.name: component_register_file(path, source="command").version
        for path in sorted(COMPONENTS.glob("*/component.yml"))
    }


def version_of(step: Any) -> str:
    return (Path(settings.ARTIFACTS_DIR) / step.outputs["out"]["path"] / "version.txt").read_text()


def test_two_components_pinning_different_pandas_run_in_one_pipeline_each_with_its_own(
    embedded, registered, make_version, owner
):
    doc = document([node("old", "azure_append@1", rows=4), node("new", "pandas_default@1")])
    run = wait_run(run_submit(pipeline_version=make_version(doc), user=owner), BUILD_TIMEOUT)
    steps = steps_of(run)
    assert run.status == "Completed", {k: s.error for k, s in steps.items()}
    assert version_of(steps["old"]).startswith("1.5.") and version_of(steps["old"]).endswith(
        " 3.10\n"
    )
    assert version_of(steps["new"]) == "3.1.1 3.11\n"


def test_an_azure_ml_component_using_dataframe_append_runs_unmodified(
    embedded, registered, make_version, owner
):
    doc = document([node("append", "azure_append@1", rows=5)])
    run = wait_run(run_submit(pipeline_version=make_version(doc), user=owner), BUILD_TIMEOUT)
    step = steps_of(run)["append"]
    assert run.status == "Completed", step.error
    rows = Path(settings.ARTIFACTS_DIR) / step.outputs["out"]["path"] / "rows.csv"
    assert rows.read_text().split() == ["i", "0", "1", "2", "3", "4"]
    log = (Path(settings.ARTIFACTS_DIR) / step.log_path).read_text()
    assert "conda channels ignored (conda-forge)" in log


def test_an_environment_that_fails_to_build_fails_the_step_with_the_resolvers_message(
    embedded, registered, make_version, owner
):
    doc = document([node("broken", "broken_env@1")])
    run = wait_run(run_submit(pipeline_version=make_version(doc), user=owner), BUILD_TIMEOUT)
    step = steps_of(run)["broken"]
    assert run.status == "Failed" and step.status == "Failed"
    assert step.error.startswith("node 'broken' (component broken_env@1): ")
    assert "environment build failed" in step.error and "pandas" in step.error
    log = (Path(settings.ARTIFACTS_DIR) / step.log_path).read_text()
    assert "[conveyor] Preparing environment" in log


def test_a_conda_file_beside_the_spec_is_stored_inline_at_registration(registered):
    spec = registered["azure_append"].spec
    assert spec["environment"]["conda_file"]["dependencies"][0] == "python=3.10"
