"""Anonymous component versions (from pipeline imports) in the browser and the palette."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Api, screenshot

pytestmark = pytest.mark.browser

PIPELINE = """
type: pipeline
display_name: browser-anonymous
jobs:
  say:
    command: echo hello > ${{outputs.out}}/said.txt
    outputs:
      out: {type: uri_folder}
"""


def test_anonymous_versions_are_grouped_apart_and_kept_out_of_the_palette(
    page: Any, api: Api
) -> None:
    api.post("/api/pipelines/import/", {"yaml": PIPELINE})
    name = "browser-anonymous_say"
    page.goto("/components")
    card = page.locator(".component-card").filter(has_text=name)
    expect(card.locator(".badge").first).to_have_text("anonymous")
    expect(card.get_by_test_id("component-owner")).to_have_text("unclaimed")
    card.click()
    expect(page.get_by_test_id("anonymous-versions")).to_contain_text("Anonymous")
    expect(page.get_by_test_id("named-versions")).to_have_count(0)
    screenshot(page, "component-anonymous-versions")

    page.goto("/pipelines/new")
    expect(page.get_by_test_id("palette-item-split_data")).to_be_visible()
    registry = page.get_by_test_id("palette-item-split_data").get_by_test_id("palette-registry")
    expect(registry).to_have_text("azureml")
    expect(page.get_by_test_id(f"palette-item-{name}")).to_have_count(0)
