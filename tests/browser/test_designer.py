"""The designer canvas in a real Chromium: build, connect, edit, save, reload, undo, validate."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Api, screenshot

pytestmark = pytest.mark.browser


def drag_from_palette(page: Any, component: str, x: int, y: int) -> None:
    """Drop a palette entry on the canvas pane at (x, y), with real HTML5 drag events."""
    pane = page.locator(".react-flow__pane")
    page.get_by_test_id(f"palette-item-{component}").drag_to(pane, target_position={"x": x, "y": y})


def connect(page: Any, source: str, target: str) -> None:
    """Drag with the mouse from one handle's centre to another's."""
    start = page.get_by_test_id(source).bounding_box()
    end = page.get_by_test_id(target).bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=12)
    page.mouse.up()


def edge(page: Any, source: str, source_port: str, target: str, target_port: str) -> Any:
    edge_id = f"{source}.{source_port}->{target}.{target_port}"
    return page.locator(f'.react-flow__edge[data-id="{edge_id}"]')


def open_new_pipeline(page: Any, name: str) -> None:
    page.goto("/pipelines/new")
    expect(page.get_by_test_id("palette-item-load_csv")).to_be_visible()
    page.get_by_test_id("pipeline-name").fill(name)


def save(page: Any, message: str) -> None:
    page.get_by_test_id("btn-save").click()
    page.get_by_test_id("save-message").fill(message)
    page.get_by_test_id("btn-save-confirm").click()
    expect(page.get_by_test_id("save-dialog")).to_be_hidden()
    expect(page.get_by_test_id("unsaved-mark")).to_be_hidden()


def pipeline_id_from(page: Any) -> int:
    page.wait_for_url(re.compile(r"/pipelines/\d+$"))
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def test_a_pipeline_built_by_drag_and_drop_is_back_after_save_and_reload(
    page: Any, api: Api
) -> None:
    open_new_pipeline(page, "drag-and-drop")
    drag_from_palette(page, "load_csv", 260, 200)
    drag_from_palette(page, "split_data", 620, 300)
    expect(page.get_by_test_id("node-load_csv")).to_be_visible()
    expect(page.get_by_test_id("node-split_data")).to_be_visible()

    connect(page, "handle-load_csv-out-output_data", "handle-split_data-in-input_data")
    expect(edge(page, "load_csv", "output_data", "split_data", "input_data")).to_have_count(1)

    page.get_by_test_id("node-split_data").click()
    page.get_by_test_id("param-test_fraction").fill("0.3")
    screenshot(page, "designer-two-nodes")
    save(page, "first cut")
    pipeline_id = pipeline_id_from(page)

    page.reload()
    expect(page.get_by_test_id("node-load_csv")).to_be_visible()
    expect(page.get_by_test_id("node-split_data")).to_be_visible()
    expect(edge(page, "load_csv", "output_data", "split_data", "input_data")).to_have_count(1)
    page.get_by_test_id("node-split_data").click()
    expect(page.get_by_test_id("param-test_fraction")).to_have_value("0.3")

    document = api.latest_document(pipeline_id)
    assert document["name"] == "drag-and-drop"
    assert sorted(n["id"] for n in document["nodes"]) == ["load_csv", "split_data"]
    split = next(n for n in document["nodes"] if n["id"] == "split_data")
    assert split["component"] == "split_data@1"
    assert split["inputs"] == {"test_fraction": {"value": 0.3}}
    assert document["edges"] == [
        {
            "source": "load_csv",
            "source_port": "output_data",
            "target": "split_data",
            "target_port": "input_data",
        }
    ]
    versions = api.get(f"/api/pipelines/{pipeline_id}/versions/")
    assert [v["message"] for v in versions] == ["first cut"]


def test_an_incompatible_connection_is_refused_with_its_reason(page: Any) -> None:
    open_new_pipeline(page, "incompatible")
    drag_from_palette(page, "split_data", 260, 200)
    drag_from_palette(page, "load_csv", 620, 300)

    connect(page, "handle-split_data-out-train_data", "handle-load_csv-in-source")

    toast = page.get_by_test_id("toast")
    expect(toast).to_contain_text("Incompatible types")
    expect(toast).to_contain_text("uri_folder")
    expect(toast).to_contain_text("uri_file")
    expect(page.locator(".react-flow__edge")).to_have_count(0)
    screenshot(page, "designer-refused-connection")


def test_undo_and_redo_take_back_and_replay_a_connection(page: Any) -> None:
    open_new_pipeline(page, "undo-redo")
    drag_from_palette(page, "load_csv", 260, 200)
    drag_from_palette(page, "split_data", 620, 300)
    connect(page, "handle-load_csv-out-output_data", "handle-split_data-in-input_data")
    wire = edge(page, "load_csv", "output_data", "split_data", "input_data")
    expect(wire).to_have_count(1)

    page.get_by_test_id("btn-undo").click()
    expect(wire).to_have_count(0)
    page.get_by_test_id("btn-undo").click()
    expect(page.get_by_test_id("node-split_data")).to_have_count(0)

    page.get_by_test_id("btn-redo").click()
    expect(page.get_by_test_id("node-split_data")).to_be_visible()
    page.get_by_test_id("btn-redo").click()
    expect(wire).to_have_count(1)
    expect(page.get_by_test_id("btn-redo")).to_be_disabled()

    page.locator(".react-flow__pane").click(position={"x": 20, "y": 20})
    page.keyboard.press("Control+z")
    expect(wire).to_have_count(0)
    page.keyboard.press("Control+Shift+z")
    expect(wire).to_have_count(1)


def test_validate_marks_the_node_missing_a_required_input_and_selects_it_from_the_list(
    page: Any, api: Api
) -> None:
    document = {
        "schema_version": 1,
        "name": "missing-input",
        "description": "",
        "inputs": {},
        "outputs": {},
        "settings": {
            "default_compute": "cpu",
            "continue_on_step_failure": False,
            "force_rerun": False,
        },
        "nodes": [
            {
                "id": "split",
                "component": "split_data@1",
                "display_name": "Split Data",
                "position": {"x": 0, "y": 0},
                "inputs": {},
                "compute": None,
                "settings": {"timeout_seconds": None},
            }
        ],
        "edges": [],
    }
    pipeline_id = api.create_pipeline(document)["id"]
    page.goto(f"/pipelines/{pipeline_id}")
    node = page.get_by_test_id("node-split")
    expect(node).to_be_visible()
    page.get_by_test_id("validation-errors").get_by_role("button", name="Hide problems").click()

    page.get_by_test_id("btn-validate").click()

    expect(node).to_have_class(re.compile(r"\bhas-errors\b"))
    problem = page.get_by_test_id("validation-error").filter(has_text="split.input_data")
    expect(problem).to_have_count(1)
    expect(node).not_to_have_class(re.compile(r"\bselected\b"))
    screenshot(page, "designer-validation")
    problem.click()
    expect(node).to_have_class(re.compile(r"\bselected\b"))
    expect(page.locator(".props-node-title")).to_have_text("Split Data")
