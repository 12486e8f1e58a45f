"""More of the designer in a real Chromium: versions, submit, copy/paste, promote, delete."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Api, screenshot
from tests.browser.test_designer import edge, save
from tests.browser.test_round_trip import IRIS_CSV, chain_for_builtins

pytestmark = pytest.mark.browser

MOD = "Control"
# The document's nodes and edges, not the pipeline inputs drawn beside them (issue 14 §5).
COMPONENT_NODES = ".react-flow__node-component"
DOCUMENT_EDGES = ".react-flow__edge:not(.pin-edge)"


def chain(name: str, data_reference: str | None = None) -> dict[str, Any]:
    """load -> split -> train, laid out left to right."""
    document = chain_for_builtins(data_reference)
    document["name"] = name
    for column, node in enumerate(document["nodes"]):
        node["position"] = {"x": column * 300, "y": 0}
    return document


def open_pipeline(page: Any, pipeline_id: int) -> None:
    page.goto(f"/pipelines/{pipeline_id}")
    expect(page.get_by_test_id("node-train")).to_be_visible()


def node_ids(page: Any) -> list[str]:
    return sorted(page.locator(COMPONENT_NODES).evaluate_all("ns => ns.map(n => n.dataset.id)"))


def test_an_older_version_opens_read_only_and_can_be_restored(page: Any, api: Api) -> None:
    first = chain("versions")
    created = api.create_pipeline(first, message="three nodes")
    pipeline_id = created["id"]
    second = copy.deepcopy(first)
    second["nodes"] = [n for n in second["nodes"] if n["id"] != "train"]
    second["edges"] = [e for e in second["edges"] if e["target"] != "train"]
    second["outputs"] = {}
    api.post(
        f"/api/pipelines/{pipeline_id}/versions/", {"document": second, "message": "no training"}
    )

    page.goto(f"/pipelines/{pipeline_id}")
    expect(page.get_by_test_id("node-split")).to_be_visible()
    expect(page.get_by_test_id("node-train")).to_have_count(0)
    page.get_by_test_id("btn-versions").click()
    page.get_by_test_id("version-1").click()

    expect(page.get_by_test_id("readonly-banner")).to_contain_text("Viewing version 1")
    expect(page.get_by_test_id("node-train")).to_be_visible()
    expect(page.get_by_test_id("btn-save")).to_be_disabled()
    expect(page.get_by_test_id("btn-submit")).to_be_disabled()
    screenshot(page, "designer-older-version")

    page.get_by_test_id("btn-restore").click()
    expect(page.get_by_test_id("readonly-banner")).to_be_hidden()
    expect(page.get_by_text("Version 1 restored as version 3")).to_be_visible()
    versions = api.get(f"/api/pipelines/{pipeline_id}/versions/")
    assert [v["number"] for v in versions] == [3, 2, 1]
    restored = api.get(f"/api/pipelines/{pipeline_id}/versions/3/")["document"]
    assert restored == api.get(f"/api/pipelines/{pipeline_id}/versions/1/")["document"]
    expect(page.get_by_test_id("btn-save")).to_be_enabled()


def test_submit_from_the_designer_opens_the_run_page(page: Any, api: Api) -> None:
    iris = api.upload("iris.csv", IRIS_CSV)["reference"]
    pipeline_id = api.create_pipeline(chain("submit-from-designer", iris))["id"]
    open_pipeline(page, pipeline_id)
    page.get_by_test_id("btn-submit").click()
    dialog = page.get_by_test_id("submit-dialog")
    expect(dialog).to_contain_text("Submit run of version 1")
    page.get_by_test_id("btn-submit-confirm").click()

    page.wait_for_url(re.compile(r"/runs/\d+$"))
    run_id = int(page.url.rsplit("/", 1)[1])
    run = api.get(f"/api/runs/{run_id}/")
    assert run["pipeline"] == pipeline_id and run["version"] == 1
    graph = page.get_by_test_id("run-graph")
    for node in ("load", "split", "train"):
        expect(graph.get_by_test_id(f"run-node-{node}")).to_be_visible()
    expect(page.get_by_test_id("run-status")).to_be_visible()


def test_copy_and_paste_duplicates_the_selection_with_its_internal_edges(
    page: Any, api: Api
) -> None:
    pipeline_id = api.create_pipeline(chain("copy-paste"))["id"]
    open_pipeline(page, pipeline_id)
    page.get_by_test_id("node-load").click()
    page.get_by_test_id("node-split").click(modifiers=[MOD])
    expect(page.locator(".react-flow__node.selected")).to_have_count(2)
    page.keyboard.press(f"{MOD}+c")
    expect(page.get_by_text("Copied 2 nodes")).to_be_visible()
    page.keyboard.press(f"{MOD}+v")

    expect(page.locator(COMPONENT_NODES)).to_have_count(5)
    pasted = sorted(set(node_ids(page)) - {"load", "split", "train"})
    assert len(pasted) == 2, pasted
    load_copy = next(n for n in pasted if n.startswith("load"))
    split_copy = next(n for n in pasted if n.startswith("split"))
    # The edge between the two copied nodes comes along; the one to "train" does not.
    expect(edge(page, load_copy, "output_data", split_copy, "input_data")).to_have_count(1)
    expect(page.locator(DOCUMENT_EDGES)).to_have_count(3)
    expect(page.locator(".react-flow__node.selected")).to_have_count(2)
    screenshot(page, "designer-pasted")

    save(page, "pasted a copy")
    document = api.latest_document(pipeline_id)
    copied = next(n for n in document["nodes"] if n["id"] == split_copy)
    original = next(n for n in document["nodes"] if n["id"] == "split")
    assert copied["inputs"] == original["inputs"]
    assert {"source": load_copy, "source_port": "output_data", "target": split_copy,
            "target_port": "input_data"} in document["edges"]  # fmt: skip


def test_a_parameter_promoted_to_a_pipeline_input_is_bound_to_it(page: Any, api: Api) -> None:
    pipeline_id = api.create_pipeline(chain("promote"))["id"]
    open_pipeline(page, pipeline_id)
    page.get_by_test_id("node-split").click()
    page.get_by_test_id("promote-seed").click()
    binding = page.locator(".binding", has=page.locator("code", has_text=re.compile("^seed$")))
    expect(binding).to_contain_text("pipeline input seed")

    page.locator(".react-flow__pane").click(position={"x": 40, "y": 40})
    expect(page.get_by_test_id("pipeline-input-seed")).to_be_visible()
    screenshot(page, "designer-promoted-input")
    save(page, "seed as an input")
    document = api.latest_document(pipeline_id)
    assert document["inputs"]["seed"]["type"] == "integer"
    assert document["inputs"]["seed"]["default"] == 42
    split = next(n for n in document["nodes"] if n["id"] == "split")
    assert split["inputs"]["seed"] == {"pipeline_input": "seed"}


def test_the_delete_key_removes_a_node_with_its_edges_and_undo_brings_them_back(
    page: Any, api: Api
) -> None:
    pipeline_id = api.create_pipeline(chain("delete-key"))["id"]
    open_pipeline(page, pipeline_id)
    expect(page.locator(DOCUMENT_EDGES)).to_have_count(2)
    page.get_by_test_id("node-split").click()
    # Not while typing: Backspace in a field edits the field, the node stays.
    search = page.get_by_placeholder("Search components")
    search.fill("x")
    search.press("Backspace")
    expect(page.get_by_test_id("node-split")).to_be_visible()

    page.get_by_test_id("node-split").click()
    page.keyboard.press("Delete")
    expect(page.get_by_test_id("node-split")).to_have_count(0)
    expect(page.locator(DOCUMENT_EDGES)).to_have_count(0)
    expect(page.get_by_test_id("node-load")).to_be_visible()
    expect(page.get_by_test_id("unsaved-mark")).to_be_visible()

    page.keyboard.press(f"{MOD}+z")
    expect(page.get_by_test_id("node-split")).to_be_visible()
    expect(page.locator(DOCUMENT_EDGES)).to_have_count(2)
    expect(page.get_by_test_id("unsaved-mark")).to_be_hidden()
