"""Load a saved pipeline in the designer and save it untouched: the document is unchanged."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Api, fixture_document

pytestmark = pytest.mark.browser

# The shared fixture names ports loosely; the built-in components spell them so.
IRIS_CSV = b"sepal_length,species\n5.1,setosa\n7.0,versicolor\n"
PORT_RENAMES = {("split", "data"): "input_data", ("train", "label_column"): "target_column"}


def chain_for_builtins(data_reference: str | None = None) -> dict[str, Any]:
    """tests/fixtures/pipelines/chain.json with the real ports of the built-in components.

    The fixture's `data/iris.csv` default is a server path, which a saved document may not
    hold: it becomes `data_reference` (an uploaded dataset), or no default at all.
    """
    document = copy.deepcopy(fixture_document("chain.json"))
    document["name"] = "round-trip-chain"
    raw_data = document["inputs"]["raw_data"]
    if data_reference is None:
        raw_data.pop("default", None)
    else:
        raw_data["default"] = data_reference
    for node in document["nodes"]:
        node["inputs"] = {
            PORT_RENAMES.get((node["id"], port), port): value
            for port, value in node["inputs"].items()
        }
    for edge in document["edges"]:
        edge["target_port"] = PORT_RENAMES.get(
            (edge["target"], edge["target_port"]), edge["target_port"]
        )
    return document


def test_saving_a_loaded_pipeline_without_edits_gives_the_same_document(
    page: Any, api: Api
) -> None:
    iris = api.upload("iris.csv", IRIS_CSV)["reference"]
    created = api.create_pipeline(chain_for_builtins(iris), message="from the fixture")
    assert created["latest"]["is_valid"], created["latest"]["errors"]
    pipeline_id = created["id"]
    page.goto(f"/pipelines/{pipeline_id}")
    for node_id in ("load", "split", "train"):
        expect(page.get_by_test_id(f"node-{node_id}")).to_be_visible()
    expect(page.locator(".react-flow__edge:not(.pin-edge)")).to_have_count(2)

    page.get_by_test_id("btn-save").click()
    page.get_by_test_id("save-message").fill("no edits")
    page.get_by_test_id("btn-save-confirm").click()
    expect(page.get_by_test_id("save-dialog")).to_be_hidden()

    versions = api.get(f"/api/pipelines/{pipeline_id}/versions/")
    assert [v["number"] for v in versions] == [2, 1]
    first = api.get(f"/api/pipelines/{pipeline_id}/versions/1/")["document"]
    second = api.get(f"/api/pipelines/{pipeline_id}/versions/2/")["document"]
    assert second == first
