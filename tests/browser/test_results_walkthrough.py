"""The issue-14 walkthrough, as a new user does it in a real Chromium: build a pipeline from
scratch with mouse drags, run it, open the inline plots, change a parameter, rerun, and compare
the two runs. Screenshots of the designer, the run page and the comparison are kept at
1440x900 and 1024x700 (test-results/screenshots; the ones in docs/screenshots come from here)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import results_support as rs
from tests.browser.conftest import SCREENSHOTS, Api
from tests.browser.test_designer import connect, drag_from_palette, edge, open_new_pipeline, save

pytestmark = pytest.mark.browser

SIZES = ((1440, 900), (1024, 700))


def shoot(page: Any, name: str) -> None:
    """The page at both window sizes, then back to the first."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(300)  # let the canvas and layout settle after the resize
        page.screenshot(path=SCREENSHOTS / f"results-{name}-{width}x{height}.png")
    page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})


def finished(page: Any) -> int:
    page.wait_for_url(re.compile(r"/runs/\d+$"))
    run_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-status", "Completed", timeout=90_000
    )
    return run_id


def test_a_new_user_builds_runs_inspects_changes_reruns_and_compares(page: Any, api: Api) -> None:
    rs.register(api)
    open_new_pipeline(page, "results-walkthrough")
    drag_from_palette(page, "results_fixture", 240, 180)
    drag_from_palette(page, "results_consume", 640, 260)
    connect(page, "handle-results_fixture-out-table", "handle-results_consume-in-data")
    expect(edge(page, "results_fixture", "table", "results_consume", "data")).to_have_count(1)
    page.get_by_test_id("node-results_fixture").click()
    page.get_by_test_id("param-rows").fill("20")
    save(page, "first cut")
    shoot(page, "designer")

    page.get_by_test_id("btn-submit").click()
    page.get_by_test_id("btn-submit-confirm").click()
    first = finished(page)

    page.get_by_test_id("run-node-results_fixture").click()
    panel = page.get_by_test_id("step-panel")
    panel.get_by_test_id("tab-outputs").click()
    plots = panel.get_by_test_id("output-evaluation").get_by_test_id("preview-image")
    expect(plots).to_have_count(2)
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=plots.first.element_handle()
    )
    shoot(page, "run-page")
    plots.first.click()
    expect(page.get_by_test_id("image-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("image-dialog")).to_have_count(0)

    page.get_by_test_id("btn-edit-resubmit").click()
    page.get_by_test_id("node-results_fixture").click()
    page.get_by_test_id("param-rows").fill("8")
    page.get_by_test_id("btn-submit").click()
    page.get_by_test_id("submit-save-message").fill("fewer rows")
    page.get_by_test_id("btn-submit-confirm").click()
    second = finished(page)
    assert second != first

    page.get_by_test_id("btn-compare-with").click()
    page.get_by_test_id(f"compare-with-{first}").click()
    page.wait_for_url(re.compile(rf"/runs/compare\?ids={second},{first}$"))
    steps = page.get_by_test_id("cmp-steps")
    expect(steps.locator('tr[data-key="results_fixture"]')).to_contain_text("parameter rows")
    expect(page.get_by_test_id("cmp-metrics").get_by_test_id("cmp-delta").first).to_be_visible()
    expect(page.get_by_test_id("cmp-images").locator("img")).to_have_count(4)
    shoot(page, "comparison")
