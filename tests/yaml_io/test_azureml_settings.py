"""Settings an Azure ML pipeline job carries: compute bound to an input, data modes (issue 12)."""

from __future__ import annotations

import pytest

from designer.engine.models import StepRun
from designer.engine.submit import RunRefused, run_submit
from designer.pipelines.models import PipelineVersion
from tests.yaml_io.conftest import errors_of, import_text

pytestmark = pytest.mark.django_db

BOUND = """
type: pipeline
display_name: yio-bound-compute
inputs:
  cluster: azureml:cpu-cluster
jobs:
  say:
    command: echo hi
    compute: ${{parent.inputs.cluster}}
"""


def imported_version(api, text: str) -> PipelineVersion:
    response = import_text(api, text)
    assert response.status_code == 201, response.json()
    return PipelineVersion.objects.get(pipeline_id=response.json()["id"], number=1)


def test_compute_bound_to_a_pipeline_input_stays_a_binding_in_the_document(api, home):
    response = import_text(api, BOUND)
    assert response.status_code == 201, response.json()
    assert not any(w["code"] == "unknown_compute" for w in response.json()["warnings"])
    node = response.json()["latest"]["document"]["nodes"][0]
    assert node["compute"] == "${{parent.inputs.cluster}}"


def test_compute_bound_to_a_pipeline_input_resolves_at_submit(api, home, owner, settings):
    settings.CONVEYOR_COMPUTE_MAP = {"azureml:cpu-cluster": "cpu", "azureml:gpu-cluster": "gpu"}
    version = imported_version(api, BOUND)
    by_default = run_submit(pipeline_version=version, user=owner)
    assert StepRun.objects.get(run=by_default).queue == "cpu"  # the default, mapped
    on_gpu = run_submit(pipeline_version=version, user=owner, inputs={"cluster": "gpu"})
    assert StepRun.objects.get(run=on_gpu).queue == "gpu"
    assert on_gpu.document["nodes"][0]["compute"] == "gpu"  # the run keeps the concrete pool
    with pytest.raises(RunRefused) as refused:
        run_submit(pipeline_version=version, user=owner, inputs={"cluster": "tpu"})
    assert refused.value.errors[0]["node"] == "say" and "tpu" in refused.value.errors[0]["message"]


def test_compute_bound_to_an_undeclared_input_is_refused_naming_the_job(api, home):
    errors = errors_of(
        import_text(api, BOUND.replace("parent.inputs.cluster", "parent.inputs.nope"))
    )
    assert errors[0]["code"] == "unknown_pipeline_input" and errors[0]["node"] == "say"


MODES = """
type: pipeline
display_name: yio-modes
inputs:
  data: {{type: uri_folder, path: azureml://datastores/missing/paths/x, mode: {input_mode}}}
outputs:
  result: {{type: uri_folder, mode: {output_mode}}}
jobs:
  copy:
    command: ls ${{{{inputs.data}}}} > ${{{{outputs.out}}}}/ls.txt
    inputs: {{data: "${{{{parent.inputs.data}}}}"}}
    outputs:
      out: {{mode: {output_mode}}}
"""


@pytest.mark.parametrize(
    ("input_mode", "output_mode"),
    [("ro_mount", "rw_mount"), ("download", "upload"), ("direct", "direct")],
)
def test_azure_data_modes_are_accepted(api, home, input_mode, output_mode):
    text = MODES.format(input_mode=input_mode, output_mode=output_mode)
    response = import_text(api, text)
    codes = {e["code"] for e in response.json().get("details", {}).get("errors", [])}
    assert "invalid_binding" not in codes, response.json()


def test_an_unknown_data_mode_is_refused_naming_the_port(api, home):
    errors = errors_of(import_text(api, MODES.format(input_mode="rw_mount", output_mode="upload")))
    assert any(e["code"] == "invalid_binding" and e["port"] == "data" for e in errors), errors
    errors = errors_of(import_text(api, MODES.format(input_mode="download", output_mode="copy")))
    assert any(e["code"] == "invalid_binding" and e["port"] == "out" for e in errors), errors
