"""Runs, their step runs and the per-run event log (the source of truth for live views)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from designer.pipelines.models import Pipeline, PipelineVersion
from designer.registry.models import ComponentVersion


class Status(models.TextChoices):
    NOT_STARTED = "NotStarted"
    QUEUED = "Queued"
    RUNNING = "Running"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELED = "Canceled"
    SKIPPED = "Skipped"


TERMINAL = frozenset({Status.COMPLETED, Status.FAILED, Status.CANCELED, Status.SKIPPED})
ACTIVE = frozenset({Status.NOT_STARTED, Status.QUEUED, Status.RUNNING})


class Run(models.Model):
    """One submission of a pipeline version; its document and components are snapshotted."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="runs")
    pipeline_version = models.ForeignKey(
        PipelineVersion, on_delete=models.CASCADE, related_name="runs"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    inputs = models.JSONField(default=dict, blank=True, help_text="Effective pipeline inputs.")
    overrides = models.JSONField(default=dict, blank=True, help_text="Settings given at submit.")
    settings = models.JSONField(default=dict, blank=True, help_text="Effective settings.")
    document = models.JSONField(help_text="The pipeline document as submitted.")
    components = models.JSONField(default=dict, help_text="node id -> {ref, id, digest}.")
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    last_seq = models.PositiveBigIntegerField(default=0, help_text="Last RunEvent.seq.")
    rerun_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reruns"
    )
    idempotency_key = models.CharField(
        max_length=200, blank=True, help_text="The submit's Idempotency-Key header, per user."
    )
    request_digest = models.CharField(
        max_length=64, blank=True, help_text="sha256 of the submit body sent with that key."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["user", "-id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="unique_run_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return f"run {self.pk} of {self.pipeline_id} ({self.status})"


class StepRun(models.Model):
    """One node of a run: how it was dispatched, what it did, and why."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="steps")
    node_id = models.CharField(max_length=128)
    component_version = models.ForeignKey(
        ComponentVersion, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    attempt = models.PositiveIntegerField(default=1)
    queue = models.CharField(max_length=100)
    worker_id = models.CharField(max_length=200, blank=True)
    pid = models.IntegerField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    # The outbox: written with the Queued status in the same transaction. From this time
    # on the broker must hold the step's message; the sweep re-sends it when it does not.
    send_after = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    exit_code = models.IntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True, help_text="Rendered parameters.")
    inputs = models.JSONField(default=dict, blank=True, help_text="Data inputs: path, sha256.")
    cache_key = models.CharField(max_length=64, blank=True, db_index=True)
    cache_parts = models.JSONField(default=dict, blank=True)
    reused = models.BooleanField(default=False)
    reused_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True, help_text="Why it ran, was reused or skipped.")
    outputs = models.JSONField(default=dict, blank=True)
    log_path = models.CharField(max_length=500, blank=True, help_text="Relative to artifacts.")
    start = models.JSONField(
        default=dict,
        blank=True,
        help_text='How its process started: {"kind": "warm" | "cold", "latency_ms": float}.',
    )

    class Meta:
        ordering = ["run", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "node_id"], name="unique_step_per_node")
        ]
        indexes = [
            models.Index(fields=["status", "heartbeat_at"]),
            # The scheduler asks "is anything of this run still active / failed?".
            models.Index(fields=["run", "status"], name="engine_step_run_status"),
            models.Index(fields=["status", "send_after"], name="engine_step_outbox"),
        ]

    def __str__(self) -> str:
        return f"{self.node_id} of run {self.run_id} ({self.status})"


class RunEvent(models.Model):
    """One published change of a run; `seq` is gap-free per run, for replay."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "seq"]
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="unique_run_event_seq")]

    def __str__(self) -> str:
        return f"{self.run_id}#{self.seq} {self.type}"

    def as_dict(self) -> dict[str, object]:
        return {
            "run": self.run_id,
            "seq": self.seq,
            "type": self.type,
            "payload": self.payload,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }
