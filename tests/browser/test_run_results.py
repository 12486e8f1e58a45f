"""Seeing results on the run page (issue 14, section 2): inline plots with a large view,
column statistics of a table, a model's model.json, and the run summary."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import results_support as rs
from tests.browser.conftest import SCREENSHOTS, Api, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def finished_run(api: Api) -> dict[str, Any]:
    """One completed make -> consume run with rows=30, shared by the tests of this module."""
    rs.register(api)
    pipeline_id = api.create_pipeline(rs.results_pipeline("see-results"))["id"]
    run = rs.wait_for_run(api, rs.submit(api, pipeline_id, rows=30))
    assert run["status"] == "Completed", run
    return run


def outputs_of(page: Any, run_id: int, node: str) -> Any:
    page.goto(f"/runs/{run_id}")
    page.get_by_test_id(f"run-node-{node}").click()
    panel = page.get_by_test_id("step-panel")
    panel.get_by_test_id("tab-outputs").click()
    return panel


def loaded(image: Any) -> bool:
    return bool(image.evaluate("img => img.complete && img.naturalWidth > 0"))


def test_evaluation_plots_show_inline_and_enlarge_on_click(page: Any, finished_run: Any) -> None:
    panel = outputs_of(page, finished_run["id"], "make")
    evaluation = panel.get_by_test_id("output-evaluation")
    expect(evaluation.get_by_test_id("preview-metrics")).to_contain_text("accuracy")
    images = evaluation.get_by_test_id("preview-image")
    expect(images).to_have_count(2)
    for index in range(2):
        expect(images.nth(index)).to_be_visible()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=images.nth(index).element_handle()
        )
    evaluation.get_by_title("roc_curve.png: click to enlarge").click()
    dialog = page.get_by_test_id("image-dialog")
    expect(dialog).to_be_visible()
    large = dialog.locator("img")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=large.element_handle()
    )
    assert large.bounding_box()["width"] > images.first.bounding_box()["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "run-outputs-plot-enlarged.png")


def test_a_table_output_shows_per_column_statistics(page: Any, finished_run: Any) -> None:
    panel = outputs_of(page, finished_run["id"], "make")
    table = panel.get_by_test_id("output-table")
    expect(table.get_by_test_id("preview-table")).to_be_visible()
    table.get_by_test_id("btn-stats").click()
    stats = table.get_by_test_id("column-stats")
    expect(stats).to_contain_text("Statistics of all 30 rows")
    score = stats.get_by_test_id("stat-score")
    expect(score.get_by_test_id("stat-missing")).to_have_text("1")
    expect(score.get_by_test_id("stat-histogram")).to_be_visible()
    city = stats.get_by_test_id("stat-city")
    expect(city).to_contain_text("paris")
    expect(city).to_contain_text("20")
    screenshot(page, "run-outputs-column-statistics")


def test_a_model_output_shows_its_features_target_and_parameters(
    page: Any, finished_run: Any
) -> None:
    panel = outputs_of(page, finished_run["id"], "make")
    model = panel.get_by_test_id("output-model")
    shown = model.get_by_test_id("preview-model")
    expect(shown).to_contain_text("income")
    expect(shown).to_contain_text("label")
    expect(shown).to_contain_text("n_estimators")
    expect(model).not_to_contain_text("Nothing to preview")


def test_the_run_summary_shows_what_the_run_was_given_and_did_and_can_be_named(
    page: Any, api: Api, finished_run: Any
) -> None:
    run_id = finished_run["id"]
    page.goto(f"/runs/{run_id}")
    summary = page.get_by_test_id("run-summary")
    expect(summary.get_by_test_id("summary-submitter")).to_have_text("admin")
    expect(summary.get_by_test_id("summary-steps")).to_have_text("2 run · 0 reused · 2 in all")
    expect(summary.get_by_test_id("summary-inputs")).to_contain_text("rows")
    expect(summary.get_by_test_id("summary-inputs")).to_contain_text("30")
    expect(summary.get_by_test_id("summary-duration")).not_to_have_text("—")
    link = summary.get_by_test_id("summary-version-link")
    expect(link).to_have_attribute("href", f"/pipelines/{finished_run['pipeline']}?version=1")

    summary.get_by_test_id("btn-edit-label").click()
    summary.get_by_test_id("run-name-input").fill("baseline forest")
    summary.get_by_test_id("run-description-input").fill("thirty rows, first try")
    summary.get_by_test_id("run-tags-input").fill("team=fraud, baseline")
    summary.get_by_test_id("btn-save-label").click()
    expect(summary.get_by_test_id("run-name")).to_have_text("baseline forest")
    expect(page.locator(".run-header h1")).to_contain_text("baseline forest")

    page.reload()
    expect(page.get_by_test_id("run-description")).to_have_text("thirty rows, first try")
    expect(page.get_by_test_id("run-tags")).to_contain_text("team: fraud")
    label = api.get(f"/api/runs/{run_id}/label/")
    assert label == {
        "name": "baseline forest",
        "description": "thirty rows, first try",
        "tags": {"team": "fraud", "baseline": ""},
    }
    screenshot(page, "run-summary")


def test_a_rerun_summary_counts_reused_steps(page: Any, api: Api, finished_run: Any) -> None:
    again = rs.wait_for_run(api, rs.submit(api, finished_run["pipeline"], rows=30))
    assert again["status"] == "Completed"
    page.goto(f"/runs/{again['id']}")
    steps = page.get_by_test_id("summary-steps")
    expect(steps).to_have_text("0 run · 2 reused · 2 in all")
