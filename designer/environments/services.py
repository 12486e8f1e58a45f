"""Environment services: the registry (create, look up) and preparing a step's environment."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from designer.environments.build import BuildConfig
from designer.environments.interpreters import DEFAULT_PATTERNS, interpreters_find
from designer.environments.models import EnvironmentVersion
from designer.environments.resolve import definition_resolve, environment_resolve
from designer.environments.spec import EnvironmentProblem, EnvironmentSpec, yaml_load

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,254}$")
VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")
# How long a worker process trusts its list of interpreters before looking again.
_INTERPRETERS_TTL = 300.0


class EnvironmentConflict(Exception):
    """name@version exists with different content (versions are immutable)."""


class EnvironmentDenied(Exception):
    """The name belongs to another user."""


# Registry --------------------------------------------------------------------------------


def environment_lookup(name: str, version: str | None) -> Mapping[str, Any] | None:
    """A registered definition by name and version (None: the newest), or None."""
    found = EnvironmentVersion.objects.filter(name=name)
    if version is not None:
        found = found.filter(version=version)
    row = found.order_by("-created_at", "-id").values_list("definition", flat=True).first()
    return dict(row) if row is not None else None


def environment_create(*, yaml_text: str, user: Any) -> tuple[EnvironmentVersion, bool]:
    """Register an environment from its YAML (conda_file given inline as a mapping).

    yaml_text: `az ml environment` YAML: name, version, description, conda_file, image.
    user: the publisher; a name belongs to whoever registered its first version (or staff).
    Returns (version, created). Raises EnvironmentProblem, EnvironmentConflict,
    EnvironmentDenied.
    """
    data = yaml_load(yaml_text, what="the environment YAML")
    if not isinstance(data, dict):
        raise EnvironmentProblem("the environment YAML must be a mapping of fields")
    name, version = str(data.get("name") or ""), str(data.get("version") or "")
    if not NAME_RE.match(name):
        raise EnvironmentProblem(f"name: {name!r} must be letters, digits, '_', '.', '-'")
    if not VERSION_RE.match(version) or version == "latest":
        raise EnvironmentProblem(f"version: {version!r} is required (letters, digits, '.', '-')")
    where = f"environment {name}@{version}"
    spec = definition_resolve(data, where=where, source=f"azureml:{name}@{version}")
    _check_owner(name, user)
    fields = {
        "description": str(data.get("description") or ""),
        "definition": data,
        "yaml": yaml_text,
        "python": spec.python,
        "requirements": list(spec.requirements),
        "hash": spec.hash,
        "warnings": list(spec.warnings),
        "created_by": user if getattr(user, "is_authenticated", False) else None,
    }
    existing = EnvironmentVersion.objects.filter(name=name, version=version).first()
    if existing is not None:
        return _same_or_conflict(existing, spec), False
    try:
        with transaction.atomic():
            return EnvironmentVersion.objects.create(name=name, version=version, **fields), True
    except IntegrityError:
        raced = EnvironmentVersion.objects.get(name=name, version=version)
        return _same_or_conflict(raced, spec), False


def _same_or_conflict(existing: EnvironmentVersion, spec: EnvironmentSpec) -> EnvironmentVersion:
    if existing.hash != spec.hash:
        raise EnvironmentConflict(
            f"environment {existing.name}@{existing.version} is already registered with "
            "different content; versions are immutable, register a new version"
        )
    return existing


def _check_owner(name: str, user: Any) -> None:
    first = EnvironmentVersion.objects.filter(name=name).order_by("created_at", "id").first()
    if first is None or getattr(user, "is_staff", False):
        return
    if first.created_by_id is None or first.created_by_id != getattr(user, "pk", None):
        raise EnvironmentDenied(f"environment name {name!r} belongs to another publisher")


# Steps ------------------------------------------------------------------------------------


def component_environment(value: Any, *, where: str) -> EnvironmentSpec:
    """Resolve a component's `environment` (registered names looked up in the database)."""
    return environment_resolve(value, where=where, lookup=environment_lookup)


def build_config() -> BuildConfig:
    """This worker host's build settings (interpreters are re-scanned every few minutes)."""
    patterns = tuple(settings.ENV_PYTHONS) or DEFAULT_PATTERNS
    cache = str(settings.ENV_UV_CACHE)
    return BuildConfig(
        env_dir=Path(settings.ENV_DIR),
        uv=Path(settings.ENV_UV),
        interpreters=_interpreters(patterns, int(time.monotonic() // _INTERPRETERS_TTL)),
        cache_dir=Path(cache) if cache else None,
        timeout=float(settings.ENV_BUILD_TIMEOUT),
    )


@lru_cache(maxsize=4)
def _interpreters(patterns: tuple[str, ...], _epoch: int) -> dict[str, Any]:
    return interpreters_find(patterns)
