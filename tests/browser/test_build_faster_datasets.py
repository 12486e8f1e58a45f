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
