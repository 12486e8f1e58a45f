"""Comparing runs (issue 14, section 3): pick runs in the list or "compare with..." from a run;
inputs with differences marked, metrics with deltas, steps, the graph with changed cache keys,
images side by side; metric columns in the runs list, sortable."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import results_support as rs
from tests.browser.conftest import Api, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def two_runs(api: Api) -> tuple[int, int, int]:
    """Two completed runs of one pipeline: rows=30 (accuracy 0.40) and rows=12 (0.22)."""
    rs.register(api)
    pipeline_id = api.create_pipeline(rs.results_pipeline("compare-two"))["id"]
    first = rs.submit(api, pipeline_id, rows=30)
    assert rs.wait_for_run(api, first)["status"] == "Completed"
    second = rs.submit(api, pipeline_id, rows=12)
    assert rs.wait_for_run(api, second)["status"] == "Completed"
    return pipeline_id, first, second


def row(page: Any, table: str, key: str) -> Any:
    return page.get_by_test_id(table).locator(f'tr[data-key="{key}"]')


def test_runs_picked_in_the_list_compare_side_by_side(page: Any, two_runs: Any) -> None:
    pipeline_id, first, second = two_runs
    page.goto(f"/runs?pipeline={pipeline_id}")
    compare = page.get_by_test_id("btn-compare")
    expect(compare).to_be_disabled()
    page.get_by_test_id(f"pick-{first}").check()
    page.get_by_test_id(f"pick-{second}").check()
    compare.click()
    page.wait_for_url(re.compile(rf"/runs/compare\?ids={first},{second}$"))

    expect(row(page, "cmp-inputs", "inputs.rows")).to_have_attribute("data-diff", "true")
    expect(row(page, "cmp-inputs", "inputs.rows")).to_contain_text("12")
    expect(row(page, "cmp-inputs", "settings.default_compute")).to_have_attribute(
        "data-diff", "false"
    )
    accuracy = row(page, "cmp-metrics", "make.evaluation/accuracy")
    expect(accuracy).to_contain_text("0.4")
    expect(accuracy.get_by_test_id("cmp-delta")).to_have_text(" \u22120.18")  # a minus sign
    expect(
        row(page, "cmp-metrics", "make.evaluation/f1").get_by_test_id("cmp-delta")
    ).to_have_count(0)
    expect(row(page, "cmp-steps", "make")).to_have_attribute("data-diff", "true")
    expect(row(page, "cmp-steps", "make")).to_contain_text("Completed")
    graph = page.get_by_test_id("cmp-graph")
    expect(graph.locator(".react-flow__node.cmp-node-diff")).to_have_count(2)
    images = page.get_by_test_id("cmp-images")
    expect(images.locator("img")).to_have_count(4)
    for handle in images.locator("img").element_handles():
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=handle)
    screenshot(page, "compare-runs")


def test_compare_with_from_a_run_opens_the_comparison(page: Any, two_runs: Any) -> None:
    _, first, second = two_runs
    page.goto(f"/runs/{second}")
    page.get_by_test_id("btn-compare-with").click()
    page.get_by_test_id("compare-with-dialog").get_by_test_id(f"compare-with-{first}").click()
    page.wait_for_url(re.compile(rf"/runs/compare\?ids={second},{first}$"))
    expect(page.get_by_test_id("cmp-metrics")).to_contain_text("accuracy")


def test_the_runs_list_shows_chosen_metric_columns_and_sorts_by_them(
    page: Any, two_runs: Any
) -> None:
    pipeline_id, first, second = two_runs
    page.goto(f"/runs?pipeline={pipeline_id}")
    page.get_by_test_id("metric-picker").locator("summary").click()
    page.get_by_test_id("metric-col-make.evaluation/accuracy").check()
    expect(page.get_by_test_id(f"metric-{first}-make.evaluation/accuracy")).to_have_text("0.4")
    expect(page.get_by_test_id(f"metric-{second}-make.evaluation/accuracy")).to_have_text("0.22")

    sort = page.get_by_test_id("sort-make.evaluation/accuracy")
    order = page.get_by_test_id("runs-table").locator("tbody tr")
    sort.click()  # highest first
    expect(order.first).to_have_attribute("data-testid", f"run-row-{first}")
    sort.click()  # lowest first
    expect(order.first).to_have_attribute("data-testid", f"run-row-{second}")
    assert (
        "metrics=make.evaluation%2Faccuracy" in page.url
        or "metrics=make.evaluation/accuracy" in page.url
    )
