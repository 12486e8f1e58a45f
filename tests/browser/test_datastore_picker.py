"""Choosing a data input from a datastore in the designer, and what the run then reads."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Api, screenshot
from tests.browser.test_dataset_upload import (
    ROWS,
    import_table,
    open_pipeline,
    screenshot_dialog,
    wait_for_run,
)
from tests.support.server import ROOT, ConveyorServer

pytestmark = pytest.mark.browser

CSV = "sepal_length,species\n5.1,setosa\n6.3,virginica\n5.8,versicolor\n"
REFERENCE = "azureml://datastores/lab/paths/iris/flowers.csv"


@pytest.fixture(scope="module")
def lab(server: ConveyorServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A datastore `lab` holding iris/flowers.csv, registered with manage.py."""
    root = tmp_path_factory.mktemp("lab")
    (root / "iris").mkdir()
    (root / "iris" / "flowers.csv").write_text(CSV)
    (root / "notes.txt").write_text("not a table\n")
    done = subprocess.run(
        [sys.executable, "manage.py", "datastore_create", "lab", str(root), "--user", "admin"],
        cwd=ROOT,
        env=server.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return "lab"


def test_a_file_chosen_from_a_datastore_in_the_submit_dialog_is_what_the_run_reads(
    page: Any, api: Api, lab: str
) -> None:
    created = api.create_pipeline(import_table("pick-from-datastore"))
    open_pipeline(page, created["id"])
    page.get_by_test_id("btn-submit").click()
    dialog = page.get_by_test_id("submit-dialog")
    dialog.get_by_test_id("browse-table").click()
    picker = dialog.get_by_test_id("datastore-picker-table")
    expect(picker).to_be_visible()
    picker.get_by_test_id("datastore-select-table").select_option(lab)
    picker.get_by_test_id("datastore-entry-table-iris").click()
    expect(picker.get_by_test_id("datastore-entry-table-iris/flowers.csv")).to_contain_text(
        "flowers.csv"
    )
    screenshot_dialog(page, "submit-dialog-datastore-picker")
    picker.get_by_test_id("datastore-entry-table-iris/flowers.csv").click()

    expect(picker).to_have_count(0)
    expect(dialog.get_by_test_id("run-input-table")).to_have_value(REFERENCE)
    status = dialog.get_by_test_id("upload-status-table")
    expect(status).to_have_attribute("data-phase", "datastore")
    expect(status).to_contain_text("Datastore lab · iris/flowers.csv")
    page.get_by_test_id("btn-submit-confirm").click()

    page.wait_for_url(re.compile(r"/runs/\d+$"))
    run = wait_for_run(api, int(page.url.rsplit("/", 1)[1]))
    assert run["status"] == "Completed", run
    assert run["inputs"]["table"] == REFERENCE
    load = next(step for step in run["steps"] if step["node"] == "load")
    assert load["inputs"]["source"]["reference"] == REFERENCE
    preview = api.get(f"/api/runs/{run['id']}/steps/load/outputs/output_data/preview/")
    assert preview["preview"]["rows"] == ROWS


def test_a_default_chosen_from_a_datastore_in_the_properties_panel_is_saved(
    page: Any, api: Api, lab: str
) -> None:
    pipeline_id = api.create_pipeline(import_table("datastore-default"))["id"]
    open_pipeline(page, pipeline_id)
    panel = page.get_by_test_id("pipeline-input-table")
    panel.get_by_test_id("browse-table").click()
    picker = panel.get_by_test_id("datastore-picker-table")
    picker.get_by_test_id("datastore-select-table").select_option(lab)
    picker.get_by_test_id("datastore-entry-table-iris").click()
    picker.get_by_test_id("datastore-entry-table-iris/flowers.csv").click()
    expect(panel.get_by_test_id("upload-status-table")).to_contain_text("Datastore lab")
    screenshot(page, "pipeline-input-from-datastore")
    page.get_by_test_id("btn-save").click()
    page.get_by_test_id("save-message").fill("default from a datastore")
    page.get_by_test_id("btn-save-confirm").click()
    expect(page.get_by_test_id("unsaved-mark")).to_be_hidden()
    latest = api.get(f"/api/pipelines/{pipeline_id}/")["latest"]
    assert latest["document"]["inputs"]["table"]["default"] == REFERENCE
    assert latest["is_valid"], latest["errors"]


def test_a_server_path_typed_as_a_default_is_saved_as_an_invalid_draft_naming_the_input(
    page: Any, api: Api
) -> None:
    document = import_table("server-path", default="/etc/shadow")
    created = api.create_pipeline(document)
    errors = created["latest"]["errors"]
    assert [(e["node"], e["port"], e["code"]) for e in errors] == [
        (None, "table", "server_path_refused")
    ]
