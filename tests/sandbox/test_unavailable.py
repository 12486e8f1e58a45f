"""Where the sandbox cannot start: loud at start-up and in /api/meta/, non-staff runs
refused with a 4xx, staff runs go ahead unsandboxed and say so; never silently."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.factories import document, node

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_sandbox(settings: Any, tmp_path: Any) -> Any:
    from designer.engine.runtime import sandbox_status

    settings.SANDBOX_BWRAP = str(tmp_path / "missing-bwrap")
    settings.ALLOW_UNSANDBOXED = False
    assert not sandbox_status(refresh=True).available
    yield settings
    settings.SANDBOX_BWRAP = "/usr/bin/bwrap"
    sandbox_status(refresh=True)


def version_of(owner: Any) -> Any:
    from designer.pipelines.services import pipeline_create

    doc = document([node("n", "t_echo@1", text="hi")])
    return pipeline_create(name="p", owner=owner, document=doc).versions.get()


def test_without_a_sandbox_a_non_staff_submit_is_refused_with_400_naming_it(
    no_sandbox, hostile, api, owner
):
    response = api.post("/api/runs/", {"pipeline": version_of(owner).pipeline_id}, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()["details"]["errors"]
    assert errors[0]["code"] == "sandbox_unavailable"
    assert (
        "missing-bwrap" in errors[0]["message"]
        and "CONVEYOR_ALLOW_UNSANDBOXED" in errors[0]["message"]
    )


def test_without_a_sandbox_the_admin_opt_out_lets_a_non_staff_run_start(no_sandbox, hostile, owner):
    from designer.engine.submit import run_submit

    no_sandbox.ALLOW_UNSANDBOXED = True
    run = run_submit(pipeline_version=version_of(owner), user=owner)
    assert run.pk


def test_meta_tells_the_canvas_when_the_sandbox_cannot_start(no_sandbox, api):
    sandbox = api.get("/api/meta/").json()["sandbox"]
    assert sandbox["available"] is False and "missing-bwrap" in sandbox["reason"]
    assert sandbox["allow_unsandboxed"] is False


def test_meta_says_the_sandbox_is_available_where_it_starts(sandbox, api):
    assert api.get("/api/meta/").json()["sandbox"]["available"] is True


def test_start_up_logs_an_error_when_the_sandbox_cannot_start(no_sandbox, caplog):
    from designer.engine import runtime

    runtime._announced.clear()
    with caplog.at_level(logging.INFO, logger="designer.engine.runtime"):
        runtime.sandbox_announce()
    assert any(
        r.levelno == logging.ERROR and "STEP SANDBOX UNAVAILABLE" in r.getMessage()
        for r in caplog.records
    )
