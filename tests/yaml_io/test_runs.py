"""Imported pipelines run through the engine, submitted over the API (live: worker threads)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.factories import wait_run
from tests.yaml_io.conftest import PIPELINES, import_yaml

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


def run_yaml(api: Any, name: str, **inputs: Any) -> Any:
    from designer.engine.models import Run

    imported = import_yaml(api, PIPELINES / f"{name}.yml")
    assert imported.status_code in (200, 201), imported.json()
    body = {"pipeline": imported.json()["id"], "inputs": inputs}
    submitted = api.post("/api/runs/", body, format="json")
    assert submitted.status_code == 201, submitted.json()
    return wait_run(Run.objects.get(pk=submitted.json()["id"]), timeout=60)


def text_of(run: Any, node: str, port: str = "out") -> str:
    step = run.steps.get(node_id=node)
    assert step.status == "Completed", (step.status, step.error)
    return (Path(settings.ARTIFACTS_DIR) / step.outputs[port]["path"] / "text.txt").read_text()


def test_an_imported_chain_runs_to_completion(api, home, embedded):
    run = run_yaml(api, "chain")
    assert run.status == "Completed"
    assert text_of(run, "third") == "one x1 *1.0\ntwo\nthree\n"


def test_pipeline_inputs_reach_integer_number_and_string_parameters(api, home, embedded):
    run = run_yaml(api, "params", count=2)
    assert text_of(run, "write") == "hello x2 *0.5\n" * 2


@pytest.mark.parametrize(
    ("inputs", "line"), [({}, "base x1 *1.0\n"), ({"suffix": "_s"}, "base_s x1 *1.0\n")]
)
def test_an_optional_input_renders_its_block_only_when_set(api, home, embedded, inputs, line):
    run = run_yaml(api, "optional", **inputs)
    assert text_of(run, "write") == line


def test_local_file_and_folder_inputs_are_read_from_their_datasets(api, home, embedded):
    run = run_yaml(api, "data")
    assert text_of(run, "read") == "a,b\n1,2\nfolder part\n"


def test_a_nested_component_used_twice_runs_both_copies_in_order(api, home, embedded):
    run = run_yaml(api, "nested")
    assert text_of(run, "again__b") == "start x1 *1.0\nx\n!\n?\n!\n"


def test_inline_command_jobs_run_with_their_code(api, home, embedded):
    run = run_yaml(api, "inline")
    assert run.status == "Completed"
    step = run.steps.get(node_id="shout")
    out = Path(settings.ARTIFACTS_DIR) / step.outputs["result"]["path"] / "text.txt"
    assert out.read_text() == "QUIET\n!\n"
