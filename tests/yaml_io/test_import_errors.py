"""What the YAML import refuses: Azure-only features and broken bindings, each named."""

from __future__ import annotations

import pytest

from tests.yaml_io.conftest import errors_of, import_text, register_named

pytestmark = pytest.mark.django_db

HEAD = "type: pipeline\ndisplay_name: yio-bad\n"
WRITE = 'component: "azureml:yio_write:1"'


@pytest.fixture
def registered(api, home):
    register_named("write", "append")


UNSUPPORTED = {
    "spark": ("jobs:\n  big: {type: spark, entry: {file: x.py}}", "big", "Spark"),
    "automl": ("jobs:\n  auto: {type: automl, task: classification}", "auto", "AutoML"),
    "sweep": ("jobs:\n  tune: {type: sweep, trial: x.yml}", "tune", "sweep"),
    "parallel": ("jobs:\n  many: {type: parallel, task: {}}", "many", "parallel"),
    "registry": (
        "jobs:\n  r: {component: 'azureml://registries/contoso/components/train/versions/1'}",
        "r",
        "registries other than",
    ),
    "data_asset": (
        "inputs:\n  d: {type: uri_file, path: 'azureml:iris:1'}\njobs:\n  w: {" + WRITE + "}",
        None,
        "registered data assets",
    ),
}


def test_a_datastore_reference_is_imported_and_checked_against_the_importers_grants(
    api, home, tmp_path, owner
):
    from designer.datastores.services import datastore_create, datastore_grant

    register_named("read")
    body = (
        "jobs:\n  r:\n    component: azureml:yio_read:1\n    inputs:"
        "\n      table: {type: uri_file, path: 'azureml://datastores/lab/paths/t.csv'}"
        "\n      folder: {type: uri_folder, path: 'azureml://datastores/lab/paths/f'}"
    )
    errors = errors_of(import_text(api, HEAD + body))
    assert {(e["port"], e["code"]) for e in errors} == {
        ("r_table", "unknown_datastore"),
        ("r_folder", "unknown_datastore"),
    }
    (tmp_path / "lab" / "f").mkdir(parents=True)
    (tmp_path / "lab" / "t.csv").write_text("a\n1\n")
    datastore = datastore_create(name="lab", root=str(tmp_path / "lab"))
    datastore_grant(datastore=datastore, user=owner)
    imported = import_text(api, HEAD + body)
    assert imported.status_code == 201, imported.json()
    inputs = imported.json()["latest"]["document"]["inputs"]
    assert inputs["r_table"]["default"] == "azureml://datastores/lab/paths/t.csv"


@pytest.mark.parametrize("case", sorted(UNSUPPORTED))
def test_azure_only_features_are_refused_naming_the_job_and_the_feature(api, registered, case):
    body, job, feature = UNSUPPORTED[case]
    errors = errors_of(import_text(api, HEAD + body))
    unsupported = [e for e in errors if e["code"] == "unsupported_feature"]
    assert unsupported, errors
    assert unsupported[0]["node"] == job
    assert feature in unsupported[0]["message"]
    if job:
        assert f"job '{job}'" in unsupported[0]["message"]


BROKEN = {
    "missing_step": (
        "jobs:\n  a:\n    component: azureml:yio_append:1\n"
        "    inputs: {data: '${{parent.jobs.ghost.outputs.out}}'}",
        "unknown_job",
        ["'a'", "'data'", "'ghost'"],
    ),
    "missing_output": (
        f"jobs:\n  w: {{{WRITE}}}\n  a:\n    component: azureml:yio_append:1\n"
        "    inputs: {data: '${{parent.jobs.w.outputs.nope}}'}",
        "unknown_output",
        ["'a'", "'nope'", "'w'"],
    ),
    "missing_parent_input": (
        f"jobs:\n  w:\n    {WRITE}\n    inputs: {{text: '${{{{parent.inputs.nothing}}}}'}}",
        "unknown_pipeline_input",
        ["'w'", "'text'", "'nothing'"],
    ),
    "missing_parent_output": (
        f"jobs:\n  w:\n    {WRITE}\n    outputs: {{out: '${{{{parent.outputs.gone}}}}'}}",
        "unknown_pipeline_output",
        ["'w'", "'out'", "'gone'"],
    ),
    "undeclared_port": (
        f"jobs:\n  w:\n    {WRITE}\n    inputs: {{colour: red}}",
        "unknown_port",
        ["'w'", "'colour'", "yio_write@1"],
    ),
    "unknown_component": (
        "jobs:\n  w: {component: 'azureml:nothing_here:3'}",
        "unknown_component",
        ["'w'", "nothing_here@3"],
    ),
    "cycle": (
        "jobs:\n  a:\n    component: azureml:yio_append:1\n"
        "    inputs: {data: '${{parent.jobs.b.outputs.out}}'}\n"
        "  b:\n    component: azureml:yio_append:1\n"
        "    inputs: {data: '${{parent.jobs.a.outputs.out}}'}",
        "cycle",
        ["a -> b"],
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_bindings_are_refused_naming_both_ends(api, registered, case):
    body, code, words = BROKEN[case]
    errors = errors_of(import_text(api, HEAD + body))
    found = [e for e in errors if e["code"] == code]
    assert found, errors
    assert all(word in found[0]["message"] for word in words), found[0]["message"]


def test_a_missing_component_file_says_to_include_it(api, home):
    errors = errors_of(import_text(api, HEAD + "jobs:\n  w: {component: ./nowhere.yml}"))
    assert errors[0]["code"] == "missing_file" and "./nowhere.yml" in errors[0]["message"]


@pytest.mark.parametrize(
    "text",
    ["jobs: [", "just text", "type: pipeline\njobs: {}", "jobs:\n  x: 3", "jobs:\n  x: {}"],
)
def test_malformed_yaml_is_a_400_never_a_500(api, home, text):
    assert errors_of(import_text(api, text))


def test_a_document_the_validator_refuses_is_not_saved(api, registered):
    text = HEAD + "jobs:\n  a: {component: 'azureml:yio_append:1'}"
    errors = errors_of(import_text(api, text))
    assert errors[0]["code"] == "missing_required_input" and errors[0]["node"] == "a"
    assert api.get("/api/pipelines/?search=yio-bad").json()["count"] == 0
