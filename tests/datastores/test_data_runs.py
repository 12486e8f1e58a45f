"""Runs read a granted datastore file or an own upload; never a server path (issue 10)."""

from __future__ import annotations

import pytest

from tests.datastores.conftest import cat_document, run_errors, submit
from tests.datastores.test_data_inputs import SHARED_CSV, upload
from tests.factories import wait_run

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


def test_a_granted_datastore_file_is_read_by_the_step(api, shared, make_version, embedded):
    version = make_version(cat_document(SHARED_CSV))
    assert version.is_valid, version.errors
    response = submit(api, version)
    assert response.status_code == 201, response.json()
    from designer.engine.models import Run

    run = wait_run(Run.objects.get(pk=response.json()["id"]))
    assert run.status == "Completed", [s.error for s in run.steps.all()]
    step = run.steps.get(node_id="cat")
    assert step.inputs["file"]["reference"] == SHARED_CSV
    detail = api.get(f"/api/runs/{run.pk}/").json()
    assert str(shared.root) not in str(detail)


def test_an_upload_runs_for_its_owner_but_not_for_another_user(
    api, outsider_api, home, make_version, embedded
):
    reference = upload(api, b"a,b\n1,2\n")["reference"]
    version = make_version(cat_document(reference))
    assert version.is_valid, version.errors
    response = submit(api, version)
    assert response.status_code == 201, response.json()
    from designer.engine.models import Run

    run = wait_run(Run.objects.get(pk=response.json()["id"]))
    assert run.status == "Completed", [s.error for s in run.steps.all()]
    errors = run_errors(submit(outsider_api, version))
    assert errors[0]["code"] == "unknown_dataset"
    assert outsider_api.get("/api/datasets/").json()["results"] == []
