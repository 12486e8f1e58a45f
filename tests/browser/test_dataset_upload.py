"""Uploading a file for a data pipeline input, in the submit dialog and the properties panel."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, UPLOAD_MAX_BYTES, Api, screenshot

pytestmark = pytest.mark.browser

CSV = b"sepal_length,species\n5.1,setosa\n6.3,virginica\n5.8,versicolor\n"
ROWS = [[5.1, "setosa"], [6.3, "virginica"], [5.8, "versicolor"]]


def import_table(name: str, default: str | None = None) -> dict[str, Any]:
    """One "Import Table (CSV or Parquet)" node whose `source` is the pipeline input `table`."""
    table: dict[str, Any] = {"type": "uri_file", "optional": False, "description": "A CSV file"}
    if default is not None:
        table["default"] = default
    return {
        "schema_version": 1,
        "name": name,
        "description": "",
        "inputs": {"table": table},
        "outputs": {},
        "settings": {
            "default_compute": "cpu",
            "continue_on_step_failure": False,
            "force_rerun": False,
        },
        "nodes": [
            {
                "id": "load",
                "component": "load_table@1",
                "display_name": "Import Table",
                "position": {"x": 0, "y": 0},
                "inputs": {"source": {"pipeline_input": "table"}},
                "compute": None,
                "settings": {"timeout_seconds": None},
            }
        ],
        "edges": [],
    }


def open_pipeline(page: Any, pipeline_id: int) -> None:
    page.goto(f"/pipelines/{pipeline_id}")
    expect(page.get_by_test_id("node-load")).to_be_visible()


def upload(scope: Any, name: str, file_name: str, content: bytes) -> None:
    """Pick a file in the upload button of the input `name` inside `scope`."""
    scope.get_by_test_id(f"upload-{name}").set_input_files(
        {"name": file_name, "mimeType": "text/csv", "buffer": content}
    )


def screenshot_dialog(page: Any, name: str) -> None:
    """Both themes with a modal open: the toggle is behind the dialog, so set the attribute."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    start = page.evaluate("document.documentElement.dataset.theme || 'light'")
    for theme in ("light", "dark"):
        page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
        page.wait_for_timeout(150)
        page.screenshot(path=SCREENSHOTS / f"{name}-{theme}.png")
    page.evaluate(f"document.documentElement.dataset.theme = '{start}'")


def wait_for_run(api: Api, run_id: int, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = api.get(f"/api/runs/{run_id}/")
        if run["status"] in {"Completed", "Failed", "Canceled"}:
            return run
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} did not finish in {timeout} s: {run['status']}")


def test_a_csv_uploaded_in_the_submit_dialog_is_the_table_the_run_imports(
    page: Any, api: Api
) -> None:
    created = api.create_pipeline(import_table("upload-and-import"))
    assert created["latest"]["is_valid"], created["latest"]["errors"]
    open_pipeline(page, created["id"])
    page.get_by_test_id("btn-submit").click()
    dialog = page.get_by_test_id("submit-dialog")
    expect(page.get_by_test_id("btn-submit-confirm")).to_be_disabled()  # `table` is required

    upload(dialog, "table", "flowers.csv", CSV)
    status = dialog.get_by_test_id("upload-status-table")
    expect(status).to_have_attribute("data-phase", "done")
    expect(status).to_contain_text(f"flowers.csv · {len(CSV)} B uploaded")
    path_box = dialog.get_by_test_id("run-input-table")
    path = path_box.input_value()
    assert re.fullmatch(r"azureml://datastores/uploads/paths/[0-9a-f]{64}/flowers\.csv", path), path
    # The long path is scrolled to its end, where the file name is.
    page.wait_for_function(
        "(e) => e.scrollLeft > 0 && e.scrollLeft + e.clientWidth >= e.scrollWidth - 1",
        arg=path_box.element_handle(),
    )
    screenshot_dialog(page, "submit-dialog-uploaded")
    page.get_by_test_id("btn-submit-confirm").click()

    page.wait_for_url(re.compile(r"/runs/\d+$"))
    run_id = int(page.url.rsplit("/", 1)[1])
    run = wait_for_run(api, run_id)
    assert run["status"] == "Completed", run
    assert run["inputs"]["table"] == path
    load = next(step for step in run["steps"] if step["node"] == "load")
    assert "output_data" in load["outputs"], load
    output = api.get(f"/api/runs/{run_id}/steps/load/outputs/output_data/preview/")
    assert output["main"] == "data.csv", output
    table = output["preview"]
    assert [column["name"] for column in table["columns"]] == ["sepal_length", "species"]
    assert table["rows"] == ROWS


def test_a_reference_can_still_be_typed_and_drops_the_upload_hint(page: Any, api: Api) -> None:
    pipeline_id = api.create_pipeline(import_table("typed-path"))["id"]
    open_pipeline(page, pipeline_id)
    page.get_by_test_id("btn-submit").click()
    dialog = page.get_by_test_id("submit-dialog")
    upload(dialog, "table", "flowers.csv", CSV)
    # Wait for the upload to finish: its reference would overwrite a path typed during it.
    expect(dialog.get_by_test_id("upload-status-table")).to_have_attribute("data-phase", "done")

    page.get_by_test_id("run-input-table").fill("azureml://datastores/shared/paths/x.csv")
    status = dialog.get_by_test_id("upload-status-table")
    expect(status).to_have_attribute("data-phase", "datastore")  # the upload hint is gone
    expect(status).to_contain_text("Datastore shared · x.csv")
    expect(page.get_by_test_id("btn-submit-confirm")).to_be_enabled()


def test_a_file_over_the_server_limit_shows_the_servers_message(page: Any, api: Api) -> None:
    pipeline_id = api.create_pipeline(import_table("too-large"))["id"]
    open_pipeline(page, pipeline_id)
    page.get_by_test_id("btn-submit").click()
    dialog = page.get_by_test_id("submit-dialog")
    upload(dialog, "table", "huge.csv", b"x" * (UPLOAD_MAX_BYTES + 1))

    status = dialog.get_by_test_id("upload-status-table")
    expect(status).to_have_attribute("data-phase", "error")
    message = f"Could not upload huge.csv: The file exceeds {UPLOAD_MAX_BYTES} bytes."
    expect(status).to_contain_text(message)
    expect(page.get_by_test_id("run-input-table")).to_have_value("")
    expect(page.get_by_test_id("btn-submit-confirm")).to_be_disabled()
    screenshot_dialog(page, "submit-dialog-upload-too-large")


def test_an_upload_in_the_properties_panel_becomes_the_inputs_saved_default(
    page: Any, api: Api
) -> None:
    pipeline_id = api.create_pipeline(import_table("default-from-upload"))["id"]
    open_pipeline(page, pipeline_id)
    panel = page.get_by_test_id("pipeline-input-table")
    upload(panel, "table", "defaults.csv", CSV)
    expect(panel.get_by_test_id("upload-status-table")).to_contain_text("defaults.csv")
    screenshot(page, "pipeline-input-uploaded")
    page.get_by_test_id("btn-save").click()
    page.get_by_test_id("save-message").fill("uploaded a default")
    page.get_by_test_id("btn-save-confirm").click()
    expect(page.get_by_test_id("unsaved-mark")).to_be_hidden()

    default = api.latest_document(pipeline_id)["inputs"]["table"]["default"]
    assert re.fullmatch(
        r"azureml://datastores/uploads/paths/[0-9a-f]{64}/defaults\.csv", default
    ), default
    page.reload()
    expect(panel.get_by_test_id("upload-status-table")).to_contain_text(
        "Uploaded dataset defaults.csv"
    )
