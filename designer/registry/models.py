"""The registry: components and their immutable versions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class Component(models.Model):
    """A component name and who owns it (`designer.registry.policies`).

    The first publisher owns the name: a user, optionally with a group whose members may
    publish too. No owner and no group means the system: built-ins, and names whose owner
    account was deleted; only staff publish versions of those.
    """

    name = models.CharField(max_length=255, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_components",
        help_text="Who first published the name; empty for the system (built-ins).",
    )
    owner_group = models.ForeignKey(
        "auth.Group",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_components",
        help_text="Members of this group may publish versions too.",
    )
    claimed = models.BooleanField(
        default=True,
        help_text="False while the name holds only anonymous versions: nobody owns it yet.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_system(self) -> bool:
        return self.claimed and self.owner_id is None and self.owner_group_id is None


class ComponentVersion(models.Model):
    """One published `name@version`: its spec, YAML and code snapshot never change.

    Anonymous versions (Azure ML's term) come from the component files a pipeline YAML
    references: their version is derived from their content, so they never clash, need no
    rights on the name, and `@latest` never picks them.
    """

    class Source(models.TextChoices):
        BUILTIN = "builtin", "Built-in catalog"
        UPLOAD = "upload", "Uploaded"
        COMMAND = "command", "Registered from a file"

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=100)
    display_name = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    tags = models.JSONField(default=dict, blank=True)
    spec = models.JSONField(help_text="The parsed component spec (YAML as data).")
    yaml = models.TextField(help_text="The YAML text as registered.")
    digest = models.CharField(max_length=64, help_text="sha256 over the spec and the code.")
    code_digest = models.CharField(max_length=64, blank=True)
    code_path = models.CharField(max_length=500, blank=True, help_text="Snapshot, in the store.")
    is_deterministic = models.BooleanField(default=True)
    search_text = models.TextField(blank=True, editable=False, help_text="Lower-cased, for search.")
    warnings = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.UPLOAD)
    anonymous = models.BooleanField(
        default=False,
        help_text="Registered by a pipeline import; its version is a hash of spec and code.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["component", "version"], name="unique_component_version"
            )
        ]
        ordering = ["component__name", "-created_at"]

    def __str__(self) -> str:
        return f"{self.component.name}@{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        tags = " ".join(f"{k}:{v}" if v else str(k) for k, v in (self.tags or {}).items())
        self.search_text = " ".join([self.display_name, self.description, tags]).lower()
        super().save(*args, **kwargs)

    @property
    def ref(self) -> str:
        return f"{self.component.name}@{self.version}"

    def has_tag(self, tag: str) -> bool:
        """`key` matches a tag key or value; `key:value` matches that pair."""
        key, sep, value = tag.partition(":")
        tags = {str(k).lower(): str(v).lower() for k, v in (self.tags or {}).items()}
        if sep:
            return tags.get(key.lower()) == value.lower()
        return tag.lower() in tags or tag.lower() in tags.values()

    def as_spec_dict(self) -> dict[str, Any]:
        return dict(self.spec)
