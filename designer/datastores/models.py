"""Datastores (admin-registered storage roots, granted to users or groups) and uploads.

As in Azure ML, a data input names `azureml://datastores/<name>/paths/<path>`; the server
path of a datastore's root is known to staff only and never appears in an answer.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import RegexValidator
from django.db import models

UPLOADS = "uploads"
NAME_PATTERN = r"^[A-Za-z0-9_]{1,100}$"


class Kind(models.TextChoices):
    # Object stores (s3, azure_blob) would add kinds here, with their own resolver.
    LOCAL = "local", "Local or shared folder"
    UPLOADS = "uploads", "Uploaded datasets (CONVEYOR_HOME/datasets)"


class Access(models.TextChoices):
    READ = "read", "Read only"
    WRITE = "write", "Read and write"


class Datastore(models.Model):
    name = models.CharField(
        max_length=100,
        unique=True,
        validators=[RegexValidator(NAME_PATTERN, "letters, digits and underscores only")],
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.LOCAL)
    root = models.CharField(
        max_length=1000,
        blank=True,
        help_text="Absolute folder on the server (local kind); staff only, never shown.",
    )
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DatastoreGrant(models.Model):
    """A datastore granted to one user or one group, read-only or read-write."""

    datastore = models.ForeignKey(Datastore, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    access = models.CharField(max_length=10, choices=Access.choices, default=Access.READ)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, group__isnull=True)
                | models.Q(user__isnull=True, group__isnull=False),
                name="grant_to_user_or_group",
            ),
            models.UniqueConstraint(fields=["datastore", "user"], name="unique_user_grant"),
            models.UniqueConstraint(fields=["datastore", "group"], name="unique_group_grant"),
        ]

    def __str__(self) -> str:
        return f"{self.datastore.name} -> {self.user or self.group} ({self.access})"


class Dataset(models.Model):
    """An upload of one user: the bytes live once in the content-addressed dataset store."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="datasets"
    )
    sha256 = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField(default=0)
    type = models.CharField(max_length=20, default="uri_file")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "sha256", "name"], name="unique_dataset")
        ]
        indexes = [models.Index(fields=["sha256", "name"])]

    def __str__(self) -> str:
        return f"{self.sha256[:12]}/{self.name}"

    @property
    def reference(self) -> str:
        return f"azureml://datastores/{UPLOADS}/paths/{self.sha256}/{self.name}"


class RunInputDigest(models.Model):
    """The digest of a run's data reference, computed at submit outside any transaction."""

    run = models.ForeignKey("engine.Run", on_delete=models.CASCADE, related_name="+")
    reference = models.TextField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "reference"], name="unique_run_reference")
        ]

    def __str__(self) -> str:
        return f"run {self.run_id}: {self.reference}"
