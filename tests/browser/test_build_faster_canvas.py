"""Issue 14 §5 on the canvas in Chromium: quick add, wire drop, dimmed ports, shortcut sheet."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Api
from tests.browser.results_support import document, node
from tests.browser.test_designer import edge, open_new_pipeline

pytestmark = pytest.mark.browser
DIMMED = re.compile(r"\bdimmed\b")


def centre(box: dict[str, float]) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def port_of(page: Any, handle: str) -> Any:
    return page.locator(".cnode-port", has=page.get_by_test_id(handle))


def test_double_click_on_empty_canvas_or_slash_opens_a_search_that_adds_there(page: Any) -> None:
    open_new_pipeline(page, "bf-quick-add")
    pane = page.locator(".react-flow__pane").bounding_box()
    x, y = pane["x"] + 320, pane["y"] + 220
    page.mouse.dblclick(x, y)
    expect(page.get_by_test_id("quick-add")).to_be_visible()
    page.get_by_test_id("quick-add-search").fill("split data")
    expect(page.get_by_test_id("quick-add-item-split_data")).to_be_visible()
    expect(page.get_by_test_id("quick-add-item-load_csv")).to_have_count(0)
    page.keyboard.press("Enter")
    added = page.get_by_test_id("node-split_data")
    expect(added).to_be_visible()
    expect(page.get_by_test_id("quick-add")).to_have_count(0)
    box = added.bounding_box()
    assert box["x"] < x < box["x"] + box["width"], (box, x)  # centred on the click
    assert abs(box["y"] - y) < 80, (box, y)

    page.mouse.move(pane["x"] + 700, pane["y"] + 200)
    page.keyboard.press("/")
    expect(page.get_by_test_id("quick-add")).to_be_visible()
    page.get_by_test_id("quick-add-search").fill("load csv")
    page.get_by_test_id("quick-add-item-load_csv").click()
    expect(page.get_by_test_id("node-load_csv")).to_be_visible()

    page.keyboard.press("/")
    expect(page.get_by_test_id("quick-add")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("quick-add")).to_have_count(0)


def wired_canvas(page: Any, api: Api, name: str) -> None:
    nodes = [
        node("load", "load_csv@1", 0),
        node("other", "load_csv@1", 0),
        node("split", "split_data@1", 0),
    ]
    nodes[1]["position"] = {"x": 320, "y": 0}
    nodes[2]["position"] = {"x": 320, "y": 220}
    pipeline_id = api.create_pipeline(document(name, nodes, []))["id"]
    page.goto(f"/pipelines/{pipeline_id}")
    expect(page.get_by_test_id("node-split")).to_be_visible()


def test_while_dragging_a_wire_incompatible_ports_are_dimmed(page: Any, api: Api) -> None:
    wired_canvas(page, api, "bf-dim")
    sx, sy = centre(page.get_by_test_id("handle-load-out-output_data").bounding_box())
    expect(page.locator(".cnode-port.dimmed")).to_have_count(0)
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move(sx + 60, sy + 140, steps=8)
    # A folder cannot go into load_csv's file input, nor into any output; split_data takes it.
    expect(port_of(page, "handle-other-in-source")).to_have_class(DIMMED)
    expect(port_of(page, "handle-other-out-output_data")).to_have_class(DIMMED)
    expect(port_of(page, "handle-split-in-input_data")).not_to_have_class(DIMMED)
    expect(port_of(page, "handle-load-out-output_data")).not_to_have_class(DIMMED)
    tx, ty = centre(page.get_by_test_id("handle-split-in-input_data").bounding_box())
    page.mouse.move(tx, ty, steps=8)
    page.mouse.up()
    expect(edge(page, "load", "output_data", "split", "input_data")).to_have_count(1)
    expect(page.locator(".cnode-port.dimmed")).to_have_count(0)


def test_a_wire_dropped_on_empty_canvas_offers_only_components_that_take_it(
    page: Any, api: Api
) -> None:
    wired_canvas(page, api, "bf-wire-drop")
    sx, sy = centre(page.get_by_test_id("handle-load-out-output_data").bounding_box())
    pane = page.locator(".react-flow__pane").bounding_box()
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move(pane["x"] + pane["width"] - 200, pane["y"] + 100, steps=10)
    page.mouse.up()

    expect(page.get_by_test_id("quick-add")).to_be_visible()
    search = page.get_by_test_id("quick-add-search")
    # Search by name: other tests' components in the shared server may fill the first page.
    search.fill("split")
    expect(page.get_by_test_id("quick-add-item-split_data")).to_be_visible()
    expect(page.get_by_test_id("quick-add-item-split_data")).to_contain_text("input_data")
    # load_csv takes a file, sample_dataset takes no data: neither is offered.
    search.fill("csv")
    expect(page.get_by_test_id("quick-add-item-load_csv")).to_have_count(0)
    search.fill("sample")
    expect(page.get_by_test_id("quick-add-item-sample_dataset")).to_have_count(0)
    page.get_by_test_id("quick-add-search").fill("normalize")
    page.get_by_test_id("quick-add-item-normalize_data").click()
    expect(page.get_by_test_id("node-normalize_data")).to_be_visible()
    expect(edge(page, "load", "output_data", "normalize_data", "input_data")).to_have_count(1)


def test_question_mark_shows_the_shortcuts_and_the_minimap_steps_aside_on_small_windows(
    page: Any, api: Api
) -> None:
    wired_canvas(page, api, "bf-sheet")
    expect(page.locator(".react-flow__minimap")).to_be_visible()
    page.keyboard.press("?")
    sheet = page.get_by_test_id("shortcut-sheet")
    expect(sheet).to_contain_text("Search and add a component")
    expect(sheet).to_contain_text("Ctrl+Z")
    page.keyboard.press("?")
    expect(sheet).to_have_count(0)
    page.set_viewport_size({"width": 1024, "height": 700})
    expect(page.locator(".react-flow__minimap")).to_be_hidden()


def test_right_click_on_a_node_or_the_canvas_opens_its_menu(page: Any, api: Api) -> None:
    wired_canvas(page, api, "bf-menu")
    page.get_by_test_id("node-split").click(button="right")
    menu = page.get_by_test_id("node-menu")
    expect(menu.get_by_role("menuitem")).to_have_text(
        [re.compile("^Duplicate node"), re.compile("^Copy node"), re.compile("^Delete node")]
    )
    menu.get_by_role("menuitem", name=re.compile("^Duplicate")).click()
    expect(page.locator(".react-flow__node")).to_have_count(4)
    expect(page.get_by_test_id("node-menu")).to_have_count(0)

    page.get_by_test_id("node-other").click(button="right")
    page.get_by_test_id("node-menu").get_by_role("menuitem", name=re.compile("^Delete")).click()
    expect(page.get_by_test_id("node-other")).to_have_count(0)

    pane = page.locator(".react-flow__pane").bounding_box()
    page.mouse.click(pane["x"] + pane["width"] - 220, pane["y"] + 90, button="right")
    canvas_menu = page.get_by_test_id("canvas-menu")
    expect(canvas_menu).to_contain_text("Add a component here")
    canvas_menu.get_by_role("menuitem", name=re.compile("^Add a component here")).click()
    expect(page.get_by_test_id("quick-add")).to_be_visible()
    page.keyboard.press("Escape")

    page.mouse.click(pane["x"] + pane["width"] - 220, pane["y"] + 90, button="right")
    page.get_by_test_id("canvas-menu").get_by_role("menuitem", name="Keyboard shortcuts").click()
    expect(page.get_by_test_id("shortcut-sheet")).to_be_visible()


def test_the_side_panels_collapse_and_stay_collapsed(page: Any, api: Api) -> None:
    wired_canvas(page, api, "bf-panels")
    canvas = page.locator(".designer-canvas")
    wide = canvas.bounding_box()["width"]
    page.get_by_test_id("toggle-palette").click()
    expect(page.get_by_test_id("palette-search")).to_have_count(0)
    page.get_by_test_id("toggle-properties").click()
    expect(page.locator(".designer-body")).to_have_class(re.compile("no-palette.*no-properties"))
    assert canvas.bounding_box()["width"] >= wide + 264 + 320 - 2
    page.reload()
    expect(page.get_by_test_id("node-split")).to_be_visible()
    expect(page.get_by_test_id("palette-search")).to_have_count(0)
    page.get_by_test_id("toggle-palette").click()
    page.get_by_test_id("toggle-properties").click()
    expect(page.get_by_test_id("palette-search")).to_be_visible()
