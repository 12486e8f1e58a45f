"""Issue 14 §5 in Chromium: the datasets page (name, version, size, owner, used by, preview)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Api
from tests.browser.results_support import document, node

pytestmark = pytest.mark.browser


def upload(page: Any, api: Api, name: str, content: bytes) -> dict[str, Any]:
    response = page.request.post(
        "/api/datasets/",
        multipart={"file": {"name": name, "mimeType": "text/csv", "buffer": content}},
        headers={"Authorization": f"Token {api.token}"},
    )
    assert response.status == 201, response.text()
    return dict(response.json())


def test_the_datasets_page_lists_versions_and_shows_a_preview_and_the_pipelines_using_one(
    page: Any, api: Api
) -> None:
    name = f"people-{uuid.uuid4().hex[:8]}.csv"
    upload(page, api, name, b"age,city\n31,oslo\n")
    second = upload(page, api, name, b"age,city\n31,oslo\n42,paris\n")
    doc = document(f"uses-{name}", [node("load", "load_csv@1", 0)], [])
    doc["inputs"] = {"people": {"type": "uri_file", "default": second["reference"]}}
    doc["nodes"][0]["inputs"]["source"] = {"pipeline_input": "people"}
    pipeline = api.create_pipeline(doc)

    page.goto("/pipelines")
    page.get_by_role("link", name="Datasets").click()
    page.get_by_test_id("datasets-search").fill(name)
    table = page.get_by_test_id("datasets-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").first).to_contain_text("v2")
    expect(table.locator("tbody tr").first).to_contain_text("admin")
    expect(table.locator("tbody tr").nth(1)).to_contain_text("v1")

    table.locator("tbody tr").first.get_by_role("button", name=name).click()
    detail = page.get_by_test_id("dataset-detail")
    expect(detail).to_contain_text(f"{name} v2")
    expect(page.get_by_test_id("dataset-reference")).to_have_text(second["reference"])
    preview = page.get_by_test_id("dataset-preview")
    expect(preview.locator("th")).to_have_text(["age", "city"])
    expect(preview.locator("tbody tr")).to_have_count(2)
    used = page.get_by_test_id("dataset-used-by")
    expect(used).to_contain_text(f"uses-{name}")
    used.get_by_role("link", name=f"uses-{name}").click()
    expect(page).to_have_url(f"/pipelines/{pipeline['id']}?version=1")

    page.go_back()
    table.locator("tbody tr").nth(1).get_by_role("button", name=name).click()
    expect(page.get_by_test_id("dataset-used-by")).to_contain_text("No saved pipeline uses it")


def test_pipeline_inputs_are_drawn_wired_to_what_they_feed_and_take_an_upload_there(
    page: Any, api: Api
) -> None:
    load = node("load", "load_csv@1", 0)
    load["inputs"]["source"] = {"pipeline_input": "raw"}
    load["inputs"]["skip_rows"] = {"pipeline_input": "skip"}
    doc = document(f"pins-{uuid.uuid4().hex[:6]}", [load], [])
    doc["inputs"] = {
        "raw": {"type": "uri_file", "optional": False},
        "skip": {"type": "integer", "default": 0, "optional": False},
    }
    created = api.create_pipeline(doc)
    pipeline_id = created["id"]
    page.goto(f"/pipelines/{pipeline_id}")

    raw = page.get_by_test_id("pin-raw")
    expect(raw).to_be_visible()
    expect(page.locator('.react-flow__edge[data-id="pin:raw->load.source"]')).to_have_count(1)
    expect(page.get_by_test_id("pin-skip")).to_contain_text("sets load.skip_rows")
    assert raw.bounding_box()["x"] < page.get_by_test_id("node-load").bounding_box()["x"]

    raw.get_by_test_id("upload-pin-raw").set_input_files(
        {"name": "flowers.csv", "mimeType": "text/csv", "buffer": b"a,b\n1,2\n"}
    )
    expect(raw.get_by_test_id("upload-status-pin-raw")).to_contain_text("uploaded")
    page.get_by_test_id("btn-save").click()
    page.get_by_test_id("save-message").fill("raw uploaded on the canvas")
    page.get_by_test_id("btn-save-confirm").click()
    expect(page.get_by_test_id("save-dialog")).to_be_hidden()

    saved = api.latest_document(pipeline_id)
    assert saved["inputs"]["raw"]["default"].endswith("/flowers.csv")
    # The drawn input nodes and wires are not part of the document.
    assert [n["id"] for n in saved["nodes"]] == ["load"]
    assert saved["edges"] == []


def test_a_column_parameter_offers_the_columns_of_an_uploaded_dataset_feeding_its_table(
    page: Any, api: Api
) -> None:
    dataset = upload(page, api, f"cols-{uuid.uuid4().hex[:6]}.csv", b"height,weight\n1,2\n")
    train = node("split", "split_data@1", 0)
    train["inputs"]["input_data"] = {"pipeline_input": "table"}
    doc = document(f"dataset-cols-{uuid.uuid4().hex[:6]}", [train], [])
    doc["inputs"] = {"table": {"type": "uri_folder", "default": dataset["reference"]}}
    pipeline_id = api.create_pipeline(doc)["id"]
    page.goto(f"/pipelines/{pipeline_id}")
    page.get_by_test_id("node-split").click()
    chips = page.get_by_test_id("columns-stratify_column")
    expect(chips.get_by_role("button")).to_have_text(["height", "weight"])
    chips.get_by_role("button", name="weight").click()
    expect(page.get_by_test_id("param-stratify_column")).to_have_value("weight")
