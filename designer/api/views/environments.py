"""Conveyor's environment registry over HTTP (mirrors `az ml environment`).

Every signed-in user reads every environment (a shared catalog, like components); a name
belongs to whoever registered its first version, who (with staff) may add versions.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.api.errors import ApiError
from designer.api.pagination import Pagination
from designer.environments.models import EnvironmentVersion
from designer.environments.services import environment_create

MAX_YAML_CHARS = 256 * 1024


def environment_public(row: EnvironmentVersion, *, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": row.name,
        "version": row.version,
        "reference": row.ref,
        "description": row.description,
        "python": row.python,
        "requirements": row.requirements,
        "hash": row.hash,
        "created_by": row.created_by.username if row.created_by else None,
        "created_at": row.created_at.isoformat(),
    }
    if full:
        data.update({"yaml": row.yaml, "definition": row.definition, "warnings": row.warnings})
    return data


class EnvironmentListView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("search", str, description="part of the name")],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        rows = EnvironmentVersion.objects.select_related("created_by").order_by(
            "name", "-created_at", "-id"
        )
        search = str(request.query_params.get("search", ""))[:255]
        if search:
            rows = rows.filter(name__icontains=search)
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self) or []
        return paginator.get_paginated_response([environment_public(r) for r in page])

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        data = request.data if hasattr(request.data, "keys") else {}
        unknown = sorted(str(k) for k in data if k != "yaml")
        if unknown:
            message = f"Unknown field(s) {', '.join(unknown)}; send `yaml`."
            raise ApiError(400, "invalid", message, {"fields": unknown})
        text = data.get("yaml")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "invalid", "yaml: the environment YAML is required.")
        if len(text) > MAX_YAML_CHARS:
            raise ApiError(400, "invalid", f"yaml: larger than {MAX_YAML_CHARS // 1024} KiB.")
        row, created = environment_create(yaml_text=text, user=request.user)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(environment_public(row, full=True), status=code)


class EnvironmentDetailView(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, name: str) -> Response:
        rows = list(
            EnvironmentVersion.objects.filter(name=name)
            .select_related("created_by")
            .order_by("-created_at", "-id")
        )
        if not rows:
            raise ApiError(404, "not_found", f"environment {name!r} is not registered")
        return Response({"name": name, "versions": [environment_public(r) for r in rows]})


class EnvironmentVersionView(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, name: str, version: str) -> Response:
        rows = EnvironmentVersion.objects.filter(name=name).select_related("created_by")
        if version != "latest":
            rows = rows.filter(version=version)
        row = rows.order_by("-created_at", "-id").first()
        if row is None:
            raise ApiError(404, "not_found", f"environment {name}@{version} is not registered")
        return Response(environment_public(row, full=True))
