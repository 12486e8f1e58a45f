"""A run's label: the name, description and tags its submitter gives it after the fact."""

from __future__ import annotations

from django.db import models

from designer.engine.models import Run


class RunLabel(models.Model):
    """Editable words about one run; the run itself stays an immutable record of what ran."""

    run = models.OneToOneField(Run, on_delete=models.CASCADE, related_name="label")
    name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True, max_length=5000)
    tags = models.JSONField(default=dict, blank=True, help_text="tag name -> value")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"label of run {self.run_id}: {self.name!r}"
