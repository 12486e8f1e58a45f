"""No parameter runs a command; no server secret reaches a step; one message, one run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

from designer.engine.dispatch import step_enqueue
from designer.engine.execution import step_execute
from designer.engine.models import RunEvent
from designer.engine.submit import run_submit
from tests.factories import document, node, steps_of, wait_run

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "text", ["x; touch {target}", "$(touch {target})", "`touch {target}`", "' ; touch {target} '"]
)
def test_a_string_parameter_arrives_literally_and_runs_nothing(
    embedded, make_version, owner, tmp_path, text
):
    target = tmp_path / "pwned"
    value = text.format(target=target)
    run = wait_run(
        run_submit(
            pipeline_version=make_version(document([node("e", "t_echo@1", text=value)])), user=owner
        )
    )
    step = steps_of(run)["e"]
    written = (Path(settings.ARTIFACTS_DIR) / step.outputs["out"]["path"] / "text.txt").read_text()
    assert written == value + "\n"
    assert not target.exists()


def test_server_secrets_are_not_visible_to_a_step(embedded, make_version, owner, monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "s3cret-django")
    monkeypatch.setenv("DATABASE_URL", "postgres://user:s3cret-db@host/db")
    monkeypatch.setenv("CONVEYOR_SECRET_KEY", "s3cret-conveyor")
    run = wait_run(
        run_submit(pipeline_version=make_version(document([node("e", "t_env@1")])), user=owner)
    )
    step = steps_of(run)["e"]
    env = (Path(settings.ARTIFACTS_DIR) / step.outputs["out"]["path"]).read_text()
    assert "s3cret" not in env
    assert "CONVEYOR_RUN_ID=" in env and "PATH=" in env
    assert os.environ["DJANGO_SECRET_KEY"] == "s3cret-django"


def test_the_same_message_delivered_twice_runs_the_step_once(embedded, make_version, owner):
    # The sandboxed step cannot write a marker outside its outputs: its published log
    # lines ("sleeping", once per start) are the record of how often it ran.
    doc = document([node("s", "t_sleep@1", seconds=0.3)])
    run = run_submit(pipeline_version=make_version(doc), user=owner)
    step = run.steps.get()
    step_enqueue(step_run_id=step.pk, queue="cpu")
    step_enqueue(step_run_id=step.pk, queue="cpu")
    run = wait_run(run)
    step_execute(step_run_id=step.pk)  # a late redelivery after completion
    assert run.status == "Completed"
    started = [
        line
        for event in RunEvent.objects.filter(run=run, type="step.log")
        for line in event.payload["lines"]
        if line == ["stdout", "sleeping"]
    ]
    assert len(started) == 1
    assert steps_of(run)["s"].attempt == 1
