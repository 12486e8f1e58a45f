"""End-to-end runs on embedded worker threads (live: starts threads and subprocesses)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from designer.engine.models import RunEvent
from designer.engine.submit import run_cancel, run_submit
from tests.factories import document, edge, node, steps_of, wait_run, wait_step

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


def output_text(step: Any, port: str = "out", name: str = "text.txt") -> str:
    return (Path(settings.ARTIFACTS_DIR) / step.outputs[port]["path"] / name).read_text()


def test_a_three_step_chain_passes_each_output_to_the_next_step(embedded, make_version, owner):
    doc = document(
        [
            node("a", "t_echo@1", text="one"),
            node("b", "t_echo@1", text="two"),
            node("c", "t_echo@1", text="three"),
        ],
        [edge("a.out", "b.data"), edge("b.out", "c.data")],
    )
    run = wait_run(run_submit(pipeline_version=make_version(doc), user=owner))
    steps = steps_of(run)
    assert run.status == "Completed"
    assert output_text(steps["c"]) == "three\ntwo\none\n"
    assert all(s.status == "Completed" and not s.reused for s in steps.values())
    assert steps["c"].outputs["out"]["sha256"] and steps["c"].outputs["out"]["size"] > 0
    assert steps["a"].reason == "no earlier result"
    seqs = list(RunEvent.objects.filter(run=run).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


def test_a_diamond_joins_both_branches(embedded, make_version, owner):
    doc = document(
        [
            node("top", "t_echo@1", text="top"),
            node("left", "t_echo@1", text="L"),
            node("right", "t_echo@1", text="R"),
            node("bottom", "t_join@1"),
        ],
        [
            edge("top.out", "left.data"),
            edge("top.out", "right.data"),
            edge("left.out", "bottom.left"),
            edge("right.out", "bottom.right"),
        ],
    )
    run = wait_run(run_submit(pipeline_version=make_version(doc), user=owner))
    assert run.status == "Completed"
    assert output_text(steps_of(run)["bottom"]) == "L\ntop\nR\ntop\n"


def test_a_fan_out_runs_every_branch(embedded, make_version, owner):
    nodes = [node("root", "t_echo@1", text="root")]
    nodes += [node(f"leaf{i}", "t_echo@1", text=f"leaf {i}") for i in range(12)]
    edges = [edge("root.out", f"leaf{i}.data") for i in range(12)]
    run = wait_run(run_submit(pipeline_version=make_version(document(nodes, edges)), user=owner))
    steps = steps_of(run)
    assert run.status == "Completed"
    assert output_text(steps["leaf7"]) == "leaf 7\nroot\n"


def test_a_step_downstream_of_a_failure_is_skipped_and_the_run_fails(embedded, make_version, owner):
    doc = document(
        [
            node("bad", "t_fail@1"),
            node("after", "t_echo@1"),
            node("other", "t_sleep@1", seconds=0.3),
        ],
        [edge("bad.out", "after.data")],
    )
    run = wait_run(run_submit(pipeline_version=make_version(doc), user=owner))
    steps = steps_of(run)
    assert run.status == "Failed"
    assert steps["bad"].status == "Failed" and steps["bad"].exit_code == 3
    assert "boom" in steps["bad"].error
    assert steps["after"].status == "Skipped"
    assert "upstream 'bad' failed" in steps["after"].reason


def test_with_continue_on_step_failure_independent_branches_complete(embedded, make_version, owner):
    doc = document(
        [
            node("bad", "t_fail@1"),
            node("after", "t_echo@1"),
            node("x", "t_echo@1"),
            node("y", "t_echo@1"),
        ],
        [edge("bad.out", "after.data"), edge("x.out", "y.data")],
        continue_on_step_failure=True,
    )
    run = wait_run(run_submit(pipeline_version=make_version(doc), user=owner))
    steps = steps_of(run)
    assert run.status == "Failed"
    assert steps["after"].status == "Skipped"
    assert steps["x"].status == steps["y"].status == "Completed"


def test_without_continue_on_step_failure_no_new_branch_starts_after_a_failure(
    embedded, make_version, owner
):
    doc = document(
        [
            node("bad", "t_fail@1"),
            node("slow", "t_sleep@1", seconds=0.5),
            node("later", "t_echo@1"),
        ],
        [edge("slow.out", "later.data")],
    )
    run = wait_run(run_submit(pipeline_version=make_version(doc), user=owner))
    steps = steps_of(run)
    assert run.status == "Failed"
    assert steps["slow"].status == "Completed"
    assert steps["later"].status == "Skipped"
    assert "continue_on_step_failure is off" in steps["later"].reason


def test_canceling_a_run_stops_the_running_step_and_queued_steps_never_start(
    embedded, make_version, owner
):
    doc = document(
        [node("slow", "t_sleep@1", seconds=60), node("next", "t_echo@1")],
        [edge("slow.out", "next.data")],
    )
    run = run_submit(pipeline_version=make_version(doc), user=owner)
    wait_step(run, "slow", "Running")
    run_cancel(run=run)
    run = wait_run(run, timeout=15)
    steps = steps_of(run)
    assert run.status == "Canceled"
    assert steps["slow"].status == "Canceled"
    assert steps["next"].status == "Canceled"
    assert not steps["next"].log_path


def test_a_step_over_its_timeout_is_stopped_and_fails(embedded, make_version, owner):
    slow = node("slow", "t_sleep@1", seconds=60)
    slow["settings"] = {"timeout_seconds": 1}
    run = wait_run(run_submit(pipeline_version=make_version(document([slow])), user=owner))
    step = steps_of(run)["slow"]
    assert run.status == "Failed"
    assert "timed out after 1 s" in step.error


def test_a_missing_declared_output_fails_the_step_clearly(embedded, make_version, owner):
    run = wait_run(
        run_submit(pipeline_version=make_version(document([node("l", "t_lazy@1")])), user=owner)
    )
    step = steps_of(run)["l"]
    assert step.status == "Failed"
    assert "output 'out' (uri_file)" in step.error


def test_a_uri_file_output_reaches_the_next_step_as_a_file_path(embedded, make_version, owner):
    doc = document([node("e", "t_env@1"), node("c", "t_cat@1")], [edge("e.out", "c.file")])
    run = wait_run(run_submit(pipeline_version=make_version(doc), user=owner))
    assert run.status == "Completed"
    copy = output_text(steps_of(run)["c"], name="copy.txt")
    assert "CONVEYOR_NODE_ID=e" in copy


def test_a_step_runs_in_a_copy_of_its_component_code(embedded, make_version, owner):
    run = wait_run(
        run_submit(pipeline_version=make_version(document([node("k", "t_code@1")])), user=owner)
    )
    assert run.status == "Completed"
    assert output_text(steps_of(run)["k"], name="hello.txt") == "from-code\n"


def test_the_step_log_holds_stdout_and_stderr_and_is_published_as_events(
    embedded, make_version, owner
):
    run = wait_run(
        run_submit(pipeline_version=make_version(document([node("bad", "t_fail@1")])), user=owner)
    )
    step = steps_of(run)["bad"]
    log = (Path(settings.ARTIFACTS_DIR) / step.log_path).read_text()
    assert "about to fail\n" in log and "[stderr] boom\n" in log
    lines = [
        line
        for e in RunEvent.objects.filter(run=run, type="step.log")
        for line in e.payload["lines"]
    ]
    assert ["stdout", "about to fail"] in lines and ["stderr", "boom"] in lines
