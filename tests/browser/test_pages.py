"""The pages around the canvas: sign in and out, the pipelines list, the components browser."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import VIEWPORT, Api, screenshot, sign_in
from tests.browser.test_round_trip import chain_for_builtins

pytestmark = pytest.mark.browser


def test_a_visitor_is_sent_to_the_login_page_and_signs_in(browser: Any, server: Any) -> None:
    context = browser.new_context(viewport=VIEWPORT, base_url=server.url)
    try:
        page = context.new_page()
        page.goto("/pipelines")
        expect(page).to_have_url(re.compile(r"/login\?next=%2Fpipelines$"))
        screenshot(page, "login")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill("not the password")
        page.get_by_test_id("btn-login").click()
        expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")

        sign_in(page, server.admin_password)
        expect(page.get_by_role("heading", name="Pipelines")).to_be_visible()
        expect(page.locator(".user-chip")).to_contain_text("admin")
    finally:
        context.close()


def test_logging_out_ends_the_session(browser: Any, server: Any) -> None:
    # Its own session: logging out the shared one would sign out every other test.
    context = browser.new_context(viewport=VIEWPORT, base_url=server.url)
    try:
        page = context.new_page()
        sign_in(page, server.admin_password)
        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(re.compile(r"/login"))
        page.goto("/components")
        expect(page).to_have_url(re.compile(r"/login\?next=%2Fcomponents$"))
    finally:
        context.close()


def test_the_pipelines_list_searches_creates_and_clones(page: Any, api: Api) -> None:
    for name in ("list-alpha", "list-beta"):
        document = chain_for_builtins()
        document["name"] = name
        document["description"] = f"The {name} pipeline"
        api.create_pipeline(document)
    page.goto("/pipelines")
    rows = page.locator("tbody tr")
    expect(rows.filter(has_text="list-beta")).to_have_count(1)
    screenshot(page, "pipelines-list")

    page.get_by_placeholder("Search pipelines").fill("alpha")
    expect(rows.filter(has_text="list-beta")).to_have_count(0)
    alpha = rows.filter(has_text="list-alpha")
    expect(alpha).to_have_count(1)

    alpha.get_by_role("button", name="Clone").click()
    page.wait_for_url(re.compile(r"/pipelines/\d+$"))
    expect(page.get_by_test_id("pipeline-name")).to_have_value("list-alpha-copy")
    expect(page.get_by_test_id("node-train")).to_be_visible()

    page.goto("/pipelines")
    page.get_by_test_id("btn-new-pipeline").click()
    expect(page).to_have_url(re.compile(r"/pipelines/new$"))
    expect(page.get_by_text("Start your pipeline")).to_be_visible()
    screenshot(page, "designer-empty")


def test_the_components_browser_lists_components_and_shows_one_in_detail(page: Any) -> None:
    page.goto("/components")
    card = page.locator(".component-card").filter(has_text="split_data")
    expect(card).to_be_visible()
    expect(page.locator(".component-card").filter(has_text="train_classifier")).to_be_visible()
    page.locator(".chip").filter(has_text=re.compile(r"^Model Training$")).click()
    expect(card).to_be_hidden()
    expect(page.locator(".component-card").filter(has_text="train_classifier")).to_be_visible()
    screenshot(page, "components-list")

    page.locator(".component-card").filter(has_text="train_classifier").click()
    expect(page.get_by_role("heading", name="Train Classifier")).to_be_visible()
    inputs = page.locator("table").first
    expect(inputs.locator("tr").filter(has_text="target_column")).to_contain_text("string")
    expect(inputs.locator("tr").filter(has_text="algorithm")).to_contain_text("random_forest")
    expect(page.locator(".version-item")).not_to_have_count(0)
    screenshot(page, "component-detail")
    page.get_by_role("button", name="YAML").click()
    expect(page.locator("pre.code")).to_contain_text("name: train_classifier")
