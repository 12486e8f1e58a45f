"""Who may read or write a datastore, and who may see an uploaded dataset (one place)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from designer.datastores.models import Access, Dataset, Datastore, DatastoreGrant, Kind


def _grants(user: Any) -> QuerySet[DatastoreGrant]:
    return DatastoreGrant.objects.filter(Q(user_id=user.pk) | Q(group__in=user.groups.all()))


def datastores_for_user(user: Any) -> QuerySet[Datastore]:
    """The datastores a user may list: staff all; others the granted ones and uploads."""
    if not getattr(user, "is_authenticated", False):
        return Datastore.objects.none()
    if user.is_staff:
        return Datastore.objects.all()
    granted = _grants(user).values("datastore_id")
    return Datastore.objects.filter(Q(pk__in=granted) | Q(kind=Kind.UPLOADS))


def datastore_access(user: Any, datastore: Datastore) -> str | None:
    """ "write", "read" or None. Uploads: everyone may add, each reads only their own."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_staff or datastore.kind == Kind.UPLOADS:
        return Access.WRITE
    levels = set(_grants(user).filter(datastore=datastore).values_list("access", flat=True))
    if Access.WRITE in levels:
        return Access.WRITE
    return Access.READ if levels else None


def datasets_for_user(user: Any) -> QuerySet[Dataset]:
    """Uploaded datasets a user may see: their own; staff all."""
    if not getattr(user, "is_authenticated", False):
        return Dataset.objects.none()
    return Dataset.objects.all() if user.is_staff else Dataset.objects.filter(owner_id=user.pk)


def dataset_visible(user: Any, sha256: str, name: str) -> bool:
    return datasets_for_user(user).filter(sha256=sha256, name=name).exists()
