"""A step records how its process started (warm or cold, with the latency) in its details."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from designer.api.run_serializers import StepRunSerializer
from designer.engine.zygote import ZYGOTES, Launch

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="warm starts need a root server")


@pytest.fixture
def warm_starts(settings: Any) -> Iterator[Any]:
    def turn(on: bool) -> None:
        settings.WARM_STARTS = on
        settings.WARM_START_POOLS = dict.fromkeys(settings.COMPUTE_POOLS, on)

    yield turn
    ZYGOTES.stop_all()


@root_only
def test_a_warm_step_records_a_warm_start_and_its_latency(run_one, warm_starts):
    warm_starts(True)
    run = run_one("h_read_environ")
    step = run.steps.get()
    assert run.status == "Completed", step.error
    assert step.start["kind"] == "warm" and set(step.start) == {"kind", "latency_ms"}
    assert 0 < step.start["latency_ms"] < 60_000
    assert StepRunSerializer(step).data["start"] == step.start


@root_only
def test_a_shell_step_with_warm_starts_on_records_a_cold_start_and_why(run_one, warm_starts):
    warm_starts(True)
    run = run_one("t_echo", text="hello")
    step = run.steps.get()
    assert run.status == "Completed", step.error
    assert step.start["kind"] == "cold" and 0 < step.start["latency_ms"] < 60_000
    assert "is not `python file.py" in step.start["reason"]


def test_a_python_step_with_warm_starts_off_records_a_plain_cold_start(run_one, warm_starts):
    warm_starts(False)
    run = run_one("h_read_environ")
    step = run.steps.get()
    assert run.status == "Completed", step.error
    assert step.start["kind"] == "cold" and "reason" not in step.start
    assert 0 < step.start["latency_ms"] < 60_000
    assert StepRunSerializer(step).data["start"] == step.start


def test_a_warm_launch_the_zygote_never_started_records_no_latency(tmp_path: Path):
    report = tmp_path / "start-1"
    launch = Launch(["client"], "warm start: forked", report)
    assert launch.record(0.0, 0.01) == {
        "kind": "warm",
        "latency_ms": None,
        "reason": "the zygote did not start it",
    }
    report.write_text("12.345")
    assert launch.record(0.0, 0.01) == {"kind": "warm", "latency_ms": 12.3}
    assert not report.exists()  # Read once, then removed.


def test_a_server_not_running_as_root_starts_steps_cold_before_any_warm_start_work(
    settings: Any, tmp_path: Path
):
    from designer.engine.artifacts import StepDirs
    from designer.engine.sandbox import Identity, Limits, PoolPolicy
    from designer.engine.zygote_runtime import warm_or_cold

    settings.WARM_STARTS = True
    settings.WARM_START_POOLS = {"cpu": True}
    who = Identity(uid=1000, gid=1000, privileged=False)
    dirs = StepDirs(*(tmp_path / name for name in ("b", "w", "h", "t", "o", "log")))

    def no_etc(*_: Any) -> Path:
        raise AssertionError("an unprivileged server makes no /etc for a zygote")

    launch = warm_or_cold(
        "python step.py", dirs=dirs, who=who, base=who, policy=PoolPolicy("cpu"),
        limits=Limits(), environment=None, keep=(), etc_dir=no_etc, inputs=(), env={},
        dispatched=0.0,
    )  # fmt: skip
    assert launch.argv is None
    assert launch.record(0.0, 0.002) == {
        "kind": "cold",
        "latency_ms": 2.0,
        "reason": "warm starts need a server running as root",
    }
