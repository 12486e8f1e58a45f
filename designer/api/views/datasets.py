"""The datasets page: uploads by name and version, with owner, size, preview and "used by".

Visibility is datasets_for_user (designer/datastores/policies.py): your own uploads, all for
staff; any other id is a 404. "Used by" names pipelines, which every user may read anyway.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import TextField
from django.db.models.functions import Cast
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.api import previews
from designer.api.errors import ApiError
from designer.datastores.models import Dataset
from designer.datastores.policies import datasets_for_user
from designer.datastores.services import DataRefused, data_resolve, dataset_public
from designer.pipelines.models import PipelineVersion

MAX_USED_BY = 50


def dataset_versions(datasets: Iterable[Dataset]) -> dict[int, int]:
    """Dataset id -> its version: 1 for an owner's first upload under a name, then 2, 3, ..."""
    datasets = list(datasets)
    names = {d.name for d in datasets}
    owners = {d.owner_id for d in datasets}
    siblings = (
        Dataset.objects.filter(name__in=names, owner_id__in=owners)
        .order_by("created_at", "pk")
        .values_list("pk", "owner_id", "name")
    )
    counters: dict[tuple[int, str], int] = defaultdict(int)
    versions: dict[int, int] = {}
    for pk, owner_id, name in siblings:
        counters[(owner_id, name)] += 1
        versions[pk] = counters[(owner_id, name)]
    return versions


def dataset_rows(datasets: Iterable[Dataset]) -> list[dict[str, Any]]:
    """The list view's rows: the public fields plus owner and version."""
    datasets = list(datasets)
    versions = dataset_versions(datasets)
    return [
        {**dataset_public(d), "owner": d.owner.get_username(), "version": versions.get(d.pk, 1)}
        for d in datasets
    ]


def pipelines_using(reference: str) -> list[dict[str, Any]]:
    """Pipelines whose saved versions name the reference, with the newest such version."""
    found = (
        PipelineVersion.objects.annotate(text=Cast("document", output_field=TextField()))
        .filter(text__contains=reference)
        .select_related("pipeline")
        .order_by("pipeline_id", "-number")
        .values_list("pipeline_id", "pipeline__name", "number")
    )
    used: dict[int, dict[str, Any]] = {}
    for pipeline_id, name, number in found.iterator():
        if pipeline_id not in used:
            used[pipeline_id] = {"pipeline": pipeline_id, "name": name, "version": number}
            if len(used) >= MAX_USED_BY:
                break
    return list(used.values())


def dataset_preview(dataset: Dataset) -> dict[str, Any]:
    """The table head (or image, metrics) of the dataset's main file, read through the path gate."""
    try:
        resolved = data_resolve(dataset.reference, user=dataset.owner)
    except DataRefused as exc:  # Kept, not an error answer: the page still shows the dataset.
        return {"kind": "other", "error": str(exc)}
    path = resolved.path
    if resolved.kind == "dir":
        main = previews.main_file(previews.list_files(path))
        if main is None:
            return {"kind": "none"}
        path = path / main
        if not path.resolve().is_relative_to(resolved.path.resolve()) or not path.is_file():
            return {"kind": "none"}
    return previews.preview_file(path)


class DatasetDetailView(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, dataset_id: int) -> Response:
        dataset = datasets_for_user(request.user).select_related("owner").filter(pk=dataset_id)
        found = dataset.first()
        if found is None:
            raise ApiError(404, "not_found", f"Dataset {dataset_id} does not exist.")
        [row] = dataset_rows([found])
        return Response(
            {**row, "used_by": pipelines_using(found.reference), "preview": dataset_preview(found)}
        )
