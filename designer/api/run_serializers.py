"""The answers about runs: a run (with or without its steps), a step, a run's summary.

Run list, detail, submit, cancel and rerun answer `RunSerializer` / `RunDetailSerializer`;
the comparison page answers `RunSummarySerializer` per run. The keys are pinned by
tests/fixtures/contracts/run_answers.json.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from designer.datastores.answers import step_inputs_public
from designer.engine.models import Run, StepRun
from designer.results.services import run_label_data


def _reuse_source(step: StepRun) -> tuple[int | None, int | None]:
    """The step and run a step reused, unless that run is another user's (the engine's
    recorded reason already leaves its id out)."""
    source = step.reused_from
    if source is None or source.run.user_id != step.run.user_id:
        return None, None
    return source.pk, source.run_id


class StepRunSerializer(serializers.ModelSerializer):
    """One step of a run: status, timing, values, cache decision and outputs.

    Expects `step.run` and `step.reused_from.run` loaded (see `RunDetailSerializer`).
    """

    id = serializers.IntegerField(source="pk")
    node = serializers.CharField(source="node_id")
    component = serializers.SerializerMethodField()
    worker = serializers.CharField(source="worker_id")
    inputs = serializers.SerializerMethodField()
    reused_from = serializers.SerializerMethodField()
    reused_from_run = serializers.SerializerMethodField()
    has_log = serializers.SerializerMethodField()
    start = serializers.SerializerMethodField()

    class Meta:
        model = StepRun
        fields: tuple[str, ...] = (
            "id",
            "node",
            "component",
            "status",
            "attempt",
            "queue",
            "worker",
            "queued_at",
            "started_at",
            "ended_at",
            "exit_code",
            "error",
            "params",
            "inputs",
            "cache_key",
            "reused",
            "reused_from",
            "reused_from_run",
            "reason",
            "outputs",
            "has_log",
            "start",
        )

    @extend_schema_field(OpenApiTypes.STR)
    def get_component(self, step: StepRun) -> str | None:
        """The `name@version` the run resolved for the node."""
        ref: str | None = step.run.components.get(step.node_id, {}).get("ref")
        return ref

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_inputs(self, step: StepRun) -> dict[str, Any]:
        return step_inputs_public(step.inputs)

    @extend_schema_field(OpenApiTypes.INT)
    def get_reused_from(self, step: StepRun) -> int | None:
        return _reuse_source(step)[0]

    @extend_schema_field(OpenApiTypes.INT)
    def get_reused_from_run(self, step: StepRun) -> int | None:
        return _reuse_source(step)[1]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_has_log(self, step: StepRun) -> bool:
        return bool(step.log_path)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_start(self, step: StepRun) -> dict[str, Any] | None:
        """How its process started ({"kind", "latency_ms"}), None before it started."""
        return step.start or None


class _LabelledRunSerializer(serializers.ModelSerializer):
    """A run's fields plus its label (name, description, tags)."""

    def to_representation(self, instance: Run) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        data.update(run_label_data(instance))
        return data


_SUMMARY = (
    "id",
    "pipeline",
    "pipeline_name",
    "version",
    "user",
    "status",
    "inputs",
    "settings",
)
_TIMES = ("created_at", "started_at", "ended_at")


class RunSummarySerializer(_LabelledRunSerializer):
    """What a run was given and when it ran: a column of the comparison page."""

    pipeline_name = serializers.CharField(source="pipeline.name")
    version = serializers.IntegerField(source="pipeline_version.number")
    user = serializers.CharField(source="user.username")

    class Meta:
        model = Run
        fields: tuple[str, ...] = (*_SUMMARY, *_TIMES)


class RunSerializer(RunSummarySerializer):
    """A run without its steps: a runs list entry."""

    class Meta(RunSummarySerializer.Meta):
        fields: tuple[str, ...] = (
            *_SUMMARY,
            "error",
            "cancel_requested",
            "rerun_of",
            "last_seq",
            *_TIMES,
        )


class RunDetailSerializer(RunSerializer):
    """A run with its steps (one query for the steps and the runs they reused)."""

    steps = serializers.SerializerMethodField()

    class Meta(RunSerializer.Meta):
        fields: tuple[str, ...] = (*RunSerializer.Meta.fields, "steps")

    def to_representation(self, instance: Run) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["steps"] = data.pop("steps")  # Last, after the label, as it always came.
        return data

    @extend_schema_field(StepRunSerializer(many=True))
    def get_steps(self, run: Run) -> list[dict[str, Any]]:
        steps = list(run.steps.select_related("reused_from__run"))
        for step in steps:
            step.run = run
        return list(StepRunSerializer(steps, many=True).data)
