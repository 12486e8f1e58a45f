"""The canvas and run-page bugs a new user hit (issue 14, section 1), each in a real Chromium."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import results_support as rs
from tests.browser.conftest import Api
from tests.browser.test_round_trip import chain_for_builtins

pytestmark = pytest.mark.browser

VIEWPORT_ZOOM = (
    "Number(getComputedStyle(document.querySelector('.react-flow__viewport'))"
    ".transform.match(/matrix\\(([^,]+)/)[1])"
)
READABLE_ZOOM = 0.75


@pytest.fixture(scope="module", autouse=True)
def components(api: Api) -> None:
    rs.register(api)


def chain(name: str) -> dict[str, Any]:
    document = chain_for_builtins()
    document["name"] = name
    for column, node in enumerate(document["nodes"]):
        node["position"] = {"x": column * 300, "y": 0}
    return document


def open_pipeline(page: Any, pipeline_id: int, first_node: str = "load") -> None:
    page.goto(f"/pipelines/{pipeline_id}")
    expect(page.get_by_test_id(f"node-{first_node}")).to_be_visible()


def box(page: Any, test_id: str) -> dict[str, float]:
    return page.get_by_test_id(test_id).bounding_box()


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["x"] >= outer["x"] - 1
        and inner["y"] >= outer["y"] - 1
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 1
    )


def test_a_long_description_wraps_and_keeps_every_pipelines_column_in_sight(
    page: Any, api: Api
) -> None:
    document = chain("long-description")
    document["description"] = " ".join(["a-rather-long-description-word"] * 120)
    api.create_pipeline(document)
    page.goto("/pipelines")
    page.get_by_placeholder("Search pipelines").fill("long-description")
    row = page.locator("tr", has=page.get_by_role("link", name="long-description", exact=True))
    expect(row).to_have_count(1)
    width = page.viewport_size["width"]
    for header in ("Owner", "Version", "Updated"):
        th = page.locator("th", has_text=header).bounding_box()
        assert th["x"] + th["width"] <= width, f"the {header} column is out of sight"
    open_button = row.get_by_role("link", name="Open").bounding_box()
    assert open_button["x"] + open_button["width"] <= width
    description = row.get_by_test_id("pipeline-description").bounding_box()
    assert description["height"] <= 3 * 18, "the description is clamped to a few lines"


def test_clone_with_unsaved_edits_clones_what_is_on_screen_without_asking(
    page: Any, api: Api
) -> None:
    pipeline_id = api.create_pipeline(chain("clone-edited"))["id"]
    open_pipeline(page, pipeline_id)
    page.get_by_test_id("node-split").click()
    page.get_by_test_id("param-seed").fill("7")
    expect(page.get_by_test_id("unsaved-mark")).to_be_visible()

    page.get_by_test_id("btn-clone").click()
    page.wait_for_url(re.compile(rf"/pipelines/(?!{pipeline_id}$)\d+$"))
    expect(page.get_by_test_id("leave-dialog")).to_have_count(0)
    clone_id = int(page.url.rsplit("/", 1)[1])
    seed = next(n for n in api.latest_document(clone_id)["nodes"] if n["id"] == "split")
    assert seed["inputs"]["seed"] == {"value": 7}
    clones = api.get("/api/pipelines/?search=clone-edited-copy")["results"]
    assert [c["name"] for c in clones] == ["clone-edited-copy"]


def test_double_clicking_a_palette_item_twice_places_two_separate_nodes(page: Any) -> None:
    page.goto("/pipelines/new")
    item = page.get_by_test_id("palette-item-load_csv")
    item.dblclick()
    expect(page.get_by_test_id("node-load_csv")).to_be_visible()
    item.dblclick()
    expect(page.get_by_test_id("node-load_csv_2")).to_be_visible()
    assert not overlap(box(page, "node-load_csv"), box(page, "node-load_csv_2"))


def test_ctrl_a_on_the_canvas_selects_the_nodes_not_the_pages_text(page: Any, api: Api) -> None:
    pipeline_id = api.create_pipeline(chain("select-all"))["id"]
    open_pipeline(page, pipeline_id)
    pane = page.locator(".react-flow__pane").bounding_box()
    page.mouse.click(pane["x"] + 20, pane["y"] + pane["height"] - 20)
    page.keyboard.press("Control+a")
    expect(page.locator(".react-flow__node.selected")).to_have_count(3)
    assert page.evaluate("window.getSelection().toString()") == ""


def nine_nodes(name: str) -> dict[str, Any]:
    document = rs.document(
        name,
        [rs.node("n0", "results_fixture@1", 0)]
        + [rs.node(f"n{i}", "results_consume@1", i * 300) for i in range(1, 9)],
        [("n0", "table", "n1", "data")]
        + [(f"n{i}", "out", f"n{i + 1}", "data") for i in range(1, 8)],
    )
    return document


def test_a_nine_node_graph_opens_and_fits_readably_from_its_first_node(page: Any, api: Api) -> None:
    pipeline_id = api.create_pipeline(nine_nodes("nine-wide"))["id"]
    page.goto(f"/pipelines/{pipeline_id}")
    page.wait_for_function("performance.getEntriesByName('conveyor:canvas-ready').length > 0")
    pane = page.locator(".react-flow__pane").bounding_box()

    def check(when: str) -> None:
        zoom = page.evaluate(VIEWPORT_ZOOM)
        assert zoom >= READABLE_ZOOM, f"{when}: zoom {zoom:.2f} shrinks the labels"
        assert inside(box(page, "node-n0"), pane), f"{when}: the first node is cropped"

    check("opened")
    page.locator(".react-flow__controls-fitview").click()
    page.wait_for_timeout(400)  # the fit animates for 300 ms
    check("fit view")
    page.get_by_test_id("btn-layout").click()
    page.wait_for_timeout(400)
    check("auto-layout")
    page.get_by_test_id("btn-fit").click()
    page.wait_for_timeout(400)
    check("toolbar fit")


def test_a_runs_pipeline_link_opens_the_version_that_ran(page: Any, api: Api) -> None:
    document = rs.results_pipeline("link-to-version")
    pipeline_id = api.create_pipeline(document)["id"]
    run_id = rs.submit(api, pipeline_id)
    second = copy.deepcopy(document)
    second["nodes"] = second["nodes"][:1]
    second["edges"] = []
    api.post(f"/api/pipelines/{pipeline_id}/versions/", {"document": second, "message": "v2"})

    page.goto(f"/runs/{run_id}")
    page.get_by_test_id("run-pipeline-link").click()
    page.wait_for_url(re.compile(rf"/pipelines/{pipeline_id}\?version=1$"))
    expect(page.get_by_test_id("readonly-banner")).to_contain_text("Viewing version 1")
    expect(page.get_by_test_id("node-consume")).to_be_visible()


def test_a_pasted_node_gets_its_own_id_and_name_and_lands_apart(page: Any, api: Api) -> None:
    pipeline_id = api.create_pipeline(chain("paste-apart"))["id"]
    open_pipeline(page, pipeline_id)
    page.get_by_test_id("node-split").click()
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    pasted = page.get_by_test_id("node-split_2")
    expect(pasted).to_be_visible()
    expect(pasted).to_contain_text("Split Data (copy)")
    ids = page.locator(".react-flow__node").evaluate_all("ns => ns.map(n => n.dataset.id)")
    assert "split_data" not in ids
    for other in ("load", "split", "train"):
        assert not overlap(pasted.bounding_box(), box(page, f"node-{other}")), other


def test_a_fixed_field_loses_its_validation_error_at_once(page: Any, api: Api) -> None:
    document = chain("fix-a-field")
    train = next(n for n in document["nodes"] if n["id"] == "train")
    del train["inputs"]["target_column"]
    pipeline_id = api.create_pipeline(document)["id"]
    open_pipeline(page, pipeline_id)
    page.get_by_test_id("node-train").click()
    field = page.get_by_test_id("param-target_column")
    row = page.locator(".form-row", has=field)
    expect(row).to_have_class(re.compile("has-error"))
    expect(page.get_by_test_id("node-train").locator(".cnode-errbadge")).to_have_count(1)

    field.fill("species")
    expect(row).not_to_have_class(re.compile("has-error"))
    expect(page.get_by_test_id("node-train").locator(".cnode-errbadge")).to_have_count(0)


def open_step(page: Any, run_id: int, node: str) -> Any:
    page.goto(f"/runs/{run_id}")
    page.get_by_test_id(f"run-node-{node}").click()
    panel = page.get_by_test_id("step-panel")
    expect(panel).to_be_visible()
    return panel


def test_a_long_log_line_wraps_and_a_search_match_is_marked_in_view(page: Any, api: Api) -> None:
    pipeline_id = api.create_pipeline(rs.results_pipeline("long-log-line"))["id"]
    run_id = rs.submit(api, pipeline_id, rows=7)
    assert rs.wait_for_run(api, run_id)["status"] == "Completed"
    panel = open_step(page, run_id, "make")
    log_box = panel.locator(".log-box")
    long_line = panel.get_by_test_id("log-line").filter(has_text="MARKER-END")
    expect(long_line).to_have_count(1)
    assert long_line.evaluate("el => el.scrollWidth <= el.clientWidth"), "the line is cut"

    panel.get_by_test_id("log-search").fill("marker-end")
    match = panel.locator("mark.log-match")
    expect(match).to_have_count(1)
    assert inside(match.bounding_box(), log_box.bounding_box()), "the match is off-screen"


def test_people_see_words_not_raw_enums_ids_or_server_paths(
    page: Any, api: Api, server: Any
) -> None:
    slow_id = api.create_pipeline(rs.slow_pipeline("words-not-enums"))["id"]
    slow_run = rs.submit(api, slow_id)
    try:
        page.goto(f"/runs/{slow_run}")
        timeline = page.get_by_test_id("run-timeline")
        expect(timeline).to_contain_text("Not started")
        expect(timeline).not_to_contain_text("NotStarted")
    finally:
        api.post(f"/api/runs/{slow_run}/cancel/", {})

    page.goto("/runs")
    expect(page.get_by_test_id("filter-status").locator("option")).not_to_have_count(0)
    options = page.get_by_test_id("filter-status").locator("option").all_inner_texts()
    assert "Not started" in options and "NotStarted" not in options

    page.goto("/components")
    expect(page.get_by_test_id("tag-chip").first).to_be_visible()
    chips = page.get_by_test_id("tag-chip").all_inner_texts()
    assert chips and not [c for c in chips if c.startswith("category:")]
    assert "Data Input" in chips

    pipeline_id = api.create_pipeline(rs.results_pipeline("words-run"))["id"]
    run_id = rs.submit(api, pipeline_id, rows=4)
    run = rs.wait_for_run(api, run_id)
    assert run["status"] == "Completed"
    worker = next(s["worker"] for s in run["steps"] if s["node"] == "consume")
    panel = open_step(page, run_id, "consume")
    expect(page.get_by_test_id("run-status")).to_have_text("Completed")
    # The socket is connected (updates would stream), yet a finished run shows no "Live".
    expect(page.locator(".run-header")).to_have_attribute("data-connection", "live")
    expect(page.get_by_test_id("run-connection")).to_have_count(0)
    head = panel.locator(".step-panel-head").inner_text()
    assert worker and worker not in head, f"the worker id {worker!r} is shown"
    panel.get_by_test_id("tab-details").click()
    details = panel.locator(".step-details")
    expect(details).to_contain_text("output table of make")
    assert str(server.home) not in details.inner_text()
    assert not re.search(r"(^|\s)/[\w.-]+/", details.inner_text()), "an absolute path is shown"
    # How the step's process started, as the API records it ("Warm start · 24 ms"), or nothing.
    start = next(s["start"] for s in run["steps"] if s["node"] == "consume")
    if start is None:
        expect(details.get_by_test_id("step-start")).to_have_count(0)
    else:
        shown = details.get_by_test_id("step-start")
        expect(shown).to_have_attribute("data-kind", start["kind"])
        latency = r" · \d" if start.get("latency_ms") is not None else "$"
        expect(shown).to_contain_text(re.compile(rf"^{start['kind'].title()} start{latency}"))
