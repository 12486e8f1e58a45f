"""Issue 14 §5 "Build faster" in Chromium: code editor, column pickers, parameters that apply."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Api
from tests.browser.results_support import document, node, submit

pytestmark = pytest.mark.browser

# A table maker and a consumer whose column parameters carry conveyor.column(s) hints.
TABLE = """
name: bf_table
version: "1"
type: command
inputs:
  salt: {type: string, default: "-"}
outputs:
  table: {type: uri_folder}
command: >-
  echo ${{inputs.salt}} > /dev/null;
  printf 'age,income,label\\n31,1200,yes\\n' > ${{outputs.table}}/data.csv
"""
PICK = """
name: bf_pick
version: "1"
type: command
tags:
  conveyor.column.target: data
  conveyor.columns.features: data
inputs:
  data: {type: uri_folder}
  target: {type: string}
  features: {type: string, optional: true}
outputs:
  out: {type: uri_folder}
command: >-
  echo ${{inputs.target}} $[[${{inputs.features}}]] > ${{outputs.out}}/picked.txt
"""


def publish(api: Api, *specs: str) -> None:
    for spec in specs:
        try:
            api.post("/api/components/", {"spec": spec})
        except AssertionError as exc:
            if "409" not in str(exc) and "exists" not in str(exc):
                raise


def open_node(page: Any, pipeline_id: int, node_id: str) -> None:
    page.goto(f"/pipelines/{pipeline_id}")
    page.get_by_test_id(f"node-{node_id}").click()
    expect(page.get_by_test_id("node-display-name")).to_be_visible()


def test_a_python_parameter_gets_a_highlighted_editor_and_a_syntax_error_names_the_line(
    page: Any, api: Api
) -> None:
    script = node("py", "execute_python_script@1", 0, script="import math\noutput = input1")
    pipeline_id = api.create_pipeline(document("bf-code-editor", [script], []))["id"]
    open_node(page, pipeline_id, "py")

    editor = page.get_by_test_id("code-script")
    expect(editor.locator(".cm-editor")).to_be_visible()
    expect(editor.locator(".cm-line").first).to_contain_text("import math")
    # Python highlighting: the keyword is its own styled span, not plain text.
    expect(editor.locator(".cm-line span", has_text="import").first).to_be_visible()

    editor.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("output = input1.copy(\n")
    page.get_by_test_id("btn-validate").click()
    error = page.locator(".form-row.has-error", has=page.get_by_test_id("code-script"))
    expect(error.locator(".form-field-error")).to_contain_text("Python syntax error at line 1")

    editor.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("output = input1.copy()")
    expect(editor.locator(".cm-content")).to_have_text("output = input1.copy()")
    page.get_by_test_id("btn-validate").click()
    expect(error).to_have_count(0)


def test_the_trainers_show_only_the_parameters_of_the_chosen_algorithm(page: Any, api: Api) -> None:
    train = node("train", "train_classifier@2", 0)
    pipeline_id = api.create_pipeline(document("bf-applies", [train], []))["id"]
    open_node(page, pipeline_id, "train")

    # The default algorithm is logistic regression: C and max_iter, no kernel or trees.
    expect(page.get_by_test_id("param-max_iter")).to_be_visible()
    expect(page.get_by_test_id("param-c")).to_be_visible()
    expect(page.get_by_test_id("param-kernel")).to_have_count(0)
    expect(page.get_by_test_id("param-n_estimators")).to_have_count(0)
    expect(page.get_by_test_id("hidden-params")).to_contain_text("5 parameters not shown")

    page.get_by_test_id("param-algorithm").select_option("svm")
    expect(page.get_by_test_id("param-kernel")).to_be_visible()
    expect(page.get_by_test_id("param-c")).to_be_visible()
    expect(page.get_by_test_id("param-max_iter")).to_have_count(0)

    page.get_by_test_id("param-algorithm").select_option("random_forest")
    expect(page.get_by_test_id("param-n_estimators")).to_be_visible()
    expect(page.get_by_test_id("param-max_depth")).to_be_visible()
    expect(page.get_by_test_id("param-kernel")).to_have_count(0)


def wait_for_columns(api: Api, pipeline_id: int, timeout: float = 90.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = api.get(f"/api/pipelines/{pipeline_id}/columns/?node=make&port=table")
        if found["columns"]:
            return [c["name"] for c in found["columns"]]
        time.sleep(0.3)
    raise AssertionError("the table step never completed")


def test_column_parameters_offer_the_upstream_columns_of_the_latest_run_and_typing_stays(
    page: Any, api: Api
) -> None:
    publish(api, TABLE, PICK)
    doc = document(
        "bf-columns",
        [node("make", "bf_table@1", 0, salt="bf-columns"), node("pick", "bf_pick@1", 320)],
        [("make", "table", "pick", "data")],
    )
    doc["nodes"][1]["inputs"]["target"] = {"value": "typed_by_hand"}
    pipeline_id = api.create_pipeline(doc)["id"]

    open_node(page, pipeline_id, "pick")
    expect(page.locator(".column-hint").first).to_contain_text("Run make once")
    submit(api, pipeline_id)
    assert wait_for_columns(api, pipeline_id) == ["age", "income", "label"]

    open_node(page, pipeline_id, "pick")
    chips = page.get_by_test_id("columns-target")
    expect(chips.get_by_role("button")).to_have_text(["age", "income", "label"])
    expect(page.get_by_test_id("param-target")).to_have_value("typed_by_hand")
    chips.get_by_role("button", name="label").click()
    expect(page.get_by_test_id("param-target")).to_have_value("label")
    expect(chips.get_by_role("button", name="label")).to_have_attribute("aria-pressed", "true")

    features = page.get_by_test_id("columns-features")
    features.get_by_role("button", name="age").click()
    features.get_by_role("button", name="income").click()
    expect(page.get_by_test_id("param-features")).to_have_value("age, income")
    features.get_by_role("button", name="age").click()
    expect(page.get_by_test_id("param-features")).to_have_value("income")
    page.get_by_test_id("param-features").fill("income, own_column")
    expect(features.get_by_role("button", name="income")).to_have_attribute("aria-pressed", "true")
