"""Acting on results (issue 14, section 4): edit and resubmit, rerun with new inputs, confirm
cancel and rerun, open a failed step in the designer, and submit that saves too."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import results_support as rs
from tests.browser.conftest import Api

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def components(api: Api) -> None:
    rs.register(api)


def run_id_from(page: Any, other_than: int = 0) -> int:
    page.wait_for_url(re.compile(rf"/runs/(?!{other_than}$)\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def versions(api: Api, pipeline_id: int) -> list[int]:
    return [v["number"] for v in api.get(f"/api/pipelines/{pipeline_id}/versions/")]


def test_cancel_asks_first_and_keep_running_keeps_it_running(page: Any, api: Api) -> None:
    pipeline_id = api.create_pipeline(rs.slow_pipeline("confirm-cancel"))["id"]
    run_id = rs.submit(api, pipeline_id)
    try:
        page.goto(f"/runs/{run_id}")
        page.get_by_test_id("btn-cancel").click()
        dialog = page.get_by_test_id("confirm-dialog")
        expect(dialog).to_contain_text("Cancel run")
        dialog.get_by_role("button", name="Keep running").click()
        expect(dialog).to_have_count(0)
        assert api.get(f"/api/runs/{run_id}/")["cancel_requested"] is False

        page.get_by_test_id("btn-cancel").click()
        page.get_by_test_id("btn-confirm").click()
        expect(page.get_by_test_id("run-status")).to_have_text("Canceled", timeout=30_000)
    finally:
        api.post(f"/api/runs/{run_id}/cancel/", {})


def test_rerun_asks_first_then_starts_a_new_run(page: Any, api: Api) -> None:
    pipeline_id = api.create_pipeline(rs.results_pipeline("confirm-rerun"))["id"]
    run_id = rs.submit(api, pipeline_id, rows=3)
    rs.wait_for_run(api, run_id)
    page.goto(f"/runs/{run_id}")
    page.get_by_test_id("btn-rerun").click()
    expect(page.get_by_test_id("confirm-dialog")).to_contain_text("same inputs")
    assert len(api.get(f"/api/runs/?pipeline={pipeline_id}")["results"]) == 1
    page.get_by_test_id("btn-confirm").click()
    new_id = run_id_from(page, other_than=run_id)
    assert api.get(f"/api/runs/{new_id}/")["rerun_of"] == run_id


def test_rerun_with_new_inputs_starts_from_the_runs_inputs(page: Any, api: Api) -> None:
    pipeline_id = api.create_pipeline(rs.results_pipeline("rerun-new-inputs"))["id"]
    run_id = rs.submit(api, pipeline_id, rows=9)
    rs.wait_for_run(api, run_id)
    page.goto(f"/runs/{run_id}")
    page.get_by_test_id("btn-rerun-inputs").click()
    dialog = page.get_by_test_id("submit-dialog")
    expect(dialog).to_contain_text(f"run {run_id}")
    rows = dialog.get_by_test_id("run-input-rows")
    expect(rows).to_have_value("9")
    rows.fill("12")
    page.get_by_test_id("btn-submit-confirm").click()
    new_id = run_id_from(page, other_than=run_id)
    assert api.get(f"/api/runs/{new_id}/")["inputs"]["rows"] == 12


def test_edit_and_resubmit_opens_the_runs_version_with_its_inputs_and_saves_a_new_one(
    page: Any, api: Api
) -> None:
    document = rs.results_pipeline("edit-and-resubmit")
    pipeline_id = api.create_pipeline(document)["id"]
    run_id = rs.submit(api, pipeline_id, rows=9)
    rs.wait_for_run(api, run_id)
    later = {**document, "nodes": document["nodes"][:1], "edges": []}
    api.post(f"/api/pipelines/{pipeline_id}/versions/", {"document": later, "message": "v2"})

    page.goto(f"/runs/{run_id}")
    page.get_by_test_id("btn-edit-resubmit").click()
    page.wait_for_url(re.compile(rf"/pipelines/{pipeline_id}\?version=1&edit=1&from_run={run_id}"))
    expect(page.get_by_test_id("node-consume")).to_be_visible()  # version 1, not 2
    expect(page.get_by_test_id("readonly-banner")).to_have_count(0)
    page.get_by_test_id("btn-submit").click()
    dialog = page.get_by_test_id("submit-dialog")
    expect(dialog.get_by_test_id("run-input-rows")).to_have_value("9")
    dialog.get_by_test_id("submit-save-message").fill("back to the two-step graph")
    page.get_by_test_id("btn-submit-confirm").click()
    new_id = run_id_from(page)
    assert versions(api, pipeline_id) == [3, 2, 1]
    run = api.get(f"/api/runs/{new_id}/")
    assert (run["version"], run["inputs"]["rows"]) == (3, 9)
    saved = api.get(f"/api/pipelines/{pipeline_id}/versions/3/")
    assert saved["message"] == "back to the two-step graph"
    assert {n["id"] for n in saved["document"]["nodes"]} == {"make", "consume"}


def failing_pipeline(name: str) -> Any:
    doc = rs.results_pipeline(name)
    doc["nodes"][1] = rs.node("check", "results_check@1", 320)
    doc["edges"] = [
        {"source": "make", "source_port": "table", "target": "check", "target_port": "data"}
    ]
    return doc


def test_a_failed_step_opens_in_the_designer_and_the_fixed_rerun_reuses_upstream(
    page: Any, api: Api
) -> None:
    pipeline_id = api.create_pipeline(failing_pipeline("fix-a-failed-step"))["id"]
    run_id = rs.submit(api, pipeline_id, rows=5)
    assert rs.wait_for_run(api, run_id)["status"] == "Failed"

    page.goto(f"/runs/{run_id}")
    page.get_by_test_id("run-node-check").click()
    page.get_by_test_id("btn-open-in-designer").click()
    page.wait_for_url(re.compile(rf"/pipelines/{pipeline_id}\?.*node=check"))
    expect(page.locator('.react-flow__node.selected[data-id="check"]')).to_have_count(1)
    page.get_by_test_id("param-ok").fill("yes")

    page.get_by_test_id("btn-submit").click()
    note = page.get_by_test_id("submit-note")
    expect(note).to_contain_text("upstream of check")
    expect(note).to_contain_text("make")
    expect(note).to_contain_text("reused")
    page.get_by_test_id("submit-save-message").fill("check passes")
    page.get_by_test_id("btn-submit-confirm").click()
    fixed = rs.wait_for_run(api, run_id_from(page))
    assert fixed["status"] == "Completed"
    steps = {s["node"]: s for s in fixed["steps"]}
    assert steps["make"]["reused"] is True
    assert steps["check"]["reused"] is False


def test_submit_on_an_edited_pipeline_saves_a_new_version_and_runs_it(page: Any, api: Api) -> None:
    pipeline_id = api.create_pipeline(failing_pipeline("submit-saves-too"))["id"]
    page.goto(f"/pipelines/{pipeline_id}")
    page.get_by_test_id("node-check").click()
    page.get_by_test_id("param-ok").fill("yes")
    expect(page.get_by_test_id("unsaved-mark")).to_be_visible()
    submit = page.get_by_test_id("btn-submit")
    expect(submit).to_be_enabled()
    submit.click()
    page.get_by_test_id("submit-save-message").fill("ok is yes")
    page.get_by_test_id("btn-submit-confirm").click()
    run = api.get(f"/api/runs/{run_id_from(page)}/")
    assert versions(api, pipeline_id) == [2, 1]
    assert run["version"] == 2
