"""The environments page lists registered environments; a card opens its versions and YAML."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Api, screenshot

pytestmark = pytest.mark.browser

ENV_YAML = """\
name: browser-pandas
version: "{version}"
description: pandas for old scripts
conda_file:
  channels: [conda-forge]
  dependencies:
    - python=3.10
    - pip:
        - pandas{pin}
"""


def test_a_registered_environment_is_listed_and_its_versions_packages_and_yaml_shown(
    page: Any, api: Api
) -> None:
    api.post("/api/environments/", {"yaml": ENV_YAML.format(version="1", pin="~=1.4")})
    api.post("/api/environments/", {"yaml": ENV_YAML.format(version="2", pin="~=1.5")})
    page.goto("/pipelines")
    page.get_by_role("link", name="Environments").click()
    card = page.get_by_test_id("environment-card").filter(has_text="browser-pandas")
    expect(card).to_contain_text("v2")
    expect(card).to_contain_text("python 3.10")
    expect(card).to_contain_text("2 versions")
    screenshot(page, "environments-list")

    card.click()
    expect(page.get_by_test_id("environment-reference")).to_have_text("azureml:browser-pandas@2")
    expect(page.get_by_test_id("environment-requirements")).to_contain_text("pandas~=1.5")
    expect(page.get_by_test_id("environment-requirements")).to_contain_text("numpy<2")
    expect(page.get_by_text("conda channels ignored (conda-forge)")).to_be_visible()
    page.get_by_role("button", name="v1").click()
    expect(page.get_by_test_id("environment-requirements")).to_contain_text("pandas~=1.4")
    page.get_by_role("button", name="YAML").click()
    expect(page.locator("pre.code")).to_contain_text('version: "1"')
    screenshot(page, "environment-detail")
