"""The components browser shows who owns each name: the system for built-ins, else a user."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.api import spec_yaml
from tests.browser.conftest import Api, screenshot

pytestmark = pytest.mark.browser


def test_the_components_browser_shows_the_owner_of_each_component(page: Any, api: Api) -> None:
    spec = spec_yaml("owned_by_admin", "1", code=None, command="echo ${{inputs.message}}")
    api.post("/api/components/", {"spec": spec})
    page.goto("/components")
    mine = page.locator(".component-card").filter(has_text="owned_by_admin")
    builtin = page.locator(".component-card").filter(has_text="split_data")
    expect(mine.get_by_test_id("component-owner")).to_have_text("admin")
    expect(builtin.get_by_test_id("component-owner")).to_have_text("system")
    screenshot(page, "components-owners")

    mine.click()
    expect(page.get_by_test_id("component-owner")).to_contain_text("Owner: admin")
    page.goto("/components/split_data")
    expect(page.get_by_test_id("component-owner")).to_contain_text("Owner: system")
