"""Pipeline writes: create, save a version, clone, archive. Each save is a new version."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from designer.datastores.services import data_problem
from designer.pipelines.documents import canonical_json, new_document
from designer.pipelines.models import Pipeline, PipelineVersion
from designer.pipelines.validation import ValidationIssue, validate_document
from designer.registry.models import Component
from designer.registry.services import spec_resolver


class PipelineNameTaken(Exception):
    """Pipeline names are unique: the CLI and YAML export address pipelines by name."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"a pipeline named {name!r} already exists; choose another name")


def document_validate(document: Any, *, user: Any = None) -> list[ValidationIssue]:
    """Every problem of a document against the live registry and configured pools.

    user: whose datastore grants and uploads the data inputs are checked against; without
    one only their form is checked (a reference, never a server path).
    """
    return validate_document(
        document,
        resolve=spec_resolver(),
        compute_pools=settings.COMPUTE_POOLS,
        known_names=lambda name: Component.objects.filter(name=name).exists(),
        data_problem=data_problem(user),
    )


def _digest(document: Any) -> str:
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def _name_of(document: Any, fallback: str) -> str:
    if isinstance(document, dict) and isinstance(document.get("name"), str):
        name = document["name"].strip()
        if name:
            return name
    return fallback


def pipeline_create(
    *, name: str, owner: Any, description: str = "", document: Any = None, message: str = ""
) -> Pipeline:
    """Create a pipeline and its first version (an empty document when none is given)."""
    document = copy.deepcopy(document) if document is not None else new_document(name)
    if isinstance(document, dict):
        document["name"] = name
        # The document's own description wins; an empty one takes the given description.
        if description and not document.get("description"):
            document["description"] = description
    try:
        with transaction.atomic():
            pipeline = Pipeline.objects.create(name=name, description=description, owner=owner)
            pipeline_version_save(
                pipeline=pipeline, document=document, author=owner, message=message or "created"
            )
    except IntegrityError:
        if Pipeline.objects.filter(name=name).exists():
            raise PipelineNameTaken(name) from None
        raise
    pipeline.refresh_from_db()
    return pipeline


def pipeline_version_save(
    *, pipeline: Pipeline, document: Any, author: Any, message: str = ""
) -> PipelineVersion:
    """Append an immutable version; an invalid document is kept as a draft marked invalid.

    The document's `name` and `description` rename the pipeline, so the list shows what the
    latest version says.
    """
    issues = document_validate(document, user=author)
    with transaction.atomic():
        # The row lock serialises concurrent saves so version numbers never collide.
        locked = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
        number = locked.latest_version + 1
        version = PipelineVersion.objects.create(
            pipeline=locked,
            number=number,
            document=document,
            digest=_digest(document),
            message=message[:500],
            author=author,
            is_valid=not issues,
            errors=[issue.as_dict() for issue in issues],
        )
        locked.latest_version = number
        locked.name = _name_of(document, locked.name)
        if isinstance(document, dict) and isinstance(document.get("description"), str):
            locked.description = document["description"]
        try:
            with transaction.atomic():
                locked.save(update_fields=["latest_version", "name", "description", "updated_at"])
        except IntegrityError:
            raise PipelineNameTaken(locked.name) from None
    return version


def pipeline_clone(*, source: PipelineVersion, name: str, owner: Any) -> Pipeline:
    """A new pipeline whose first version is a copy of `source`."""
    return pipeline_create(
        name=name,
        owner=owner,
        description=source.pipeline.description,
        document=source.document,
        message=f"cloned from {source.pipeline.name} v{source.number}",
    )


def pipeline_archive(*, pipeline: Pipeline, archived: bool = True) -> Pipeline:
    """Hide a pipeline from the default list (its versions and runs stay)."""
    pipeline.archived_at = timezone.now() if archived else None
    pipeline.save(update_fields=["archived_at", "updated_at"])
    return pipeline


def pipelines_search(
    *, search: str = "", owner: str = "", include_archived: bool = False
) -> QuerySet[Pipeline]:
    qs = Pipeline.objects.select_related("owner")
    if not include_archived:
        qs = qs.filter(archived_at__isnull=True)
    for term in search.split():
        qs = qs.filter(Q(name__icontains=term) | Q(description__icontains=term))
    if owner:
        qs = qs.filter(owner__username=owner)
    return qs.order_by(F("updated_at").desc())
