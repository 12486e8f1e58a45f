"""Conveyor's environment registry: named, immutable `name@version` environments."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class EnvironmentVersion(models.Model):
    """One registered `name@version`, as `az ml environment create` makes it."""

    name = models.CharField(max_length=255)
    version = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    definition = models.JSONField(help_text="The environment YAML as data, conda file inlined.")
    yaml = models.TextField(help_text="The YAML text as registered.")
    python = models.CharField(max_length=10)
    requirements = models.JSONField(default=list)
    hash = models.CharField(max_length=64, help_text="Content hash of the normalized spec.")
    warnings = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="unique_environment_version")
        ]
        ordering = ["name", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def ref(self) -> str:
        return f"azureml:{self.name}@{self.version}"
