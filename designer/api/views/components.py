"""The component registry over HTTP: list, search, upload, detail, code download."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.http import FileResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.api.errors import ApiError
from designer.api.pagination import Pagination
from designer.api.params import safe_filename
from designer.api.serializers import (
    ComponentDetailSerializer,
    ComponentSerializer,
    ComponentUploadSerializer,
    ComponentVersionSerializer,
)
from designer.registry.models import ComponentVersion
from designer.registry.policies import group_may_own
from designer.registry.selectors import component_for_user, components_visible_to
from designer.registry.services import component_register_upload, components_search, version_get


def _version_or_404(request: Request, name: str, version: str) -> ComponentVersion:
    """The version, or a 404 (an unknown version: UnknownComponent, mapped in api/errors.py)."""
    if not components_visible_to(request.user).filter(name=name).exists():
        raise ApiError(404, "not_found", f"component {name!r} is not registered")
    return version_get(name, version)


def _own_group(request: Request, name: str | None) -> Group | None:
    """The group named as co-owner of a new name: it must exist and include the caller."""
    if not name:
        return None
    group = Group.objects.filter(name=name).first()
    if group is None:
        raise ApiError(400, "invalid", f"group: there is no group {name!r}.", {"field": "group"})
    if not group_may_own(request.user, group):
        message = f"group: you are not a member of {name!r}."
        raise ApiError(403, "permission_denied", message, {"field": "group"})
    return group


class ComponentListView(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="name, description or tags"),
            OpenApiParameter("tag", str, description="`key` or `key:value`"),
        ],
        responses={200: dict},
        operation_id="components_list",
    )
    def get(self, request: Request) -> Response:
        qs = components_search(
            search=request.query_params.get("search", ""),
            tag=request.query_params.get("tag", ""),
            visible=components_visible_to(request.user),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(ComponentSerializer(page, many=True).data)

    @extend_schema(request=ComponentUploadSerializer, responses={201: dict, 200: dict})
    def post(self, request: Request) -> Response:
        serializer = ComponentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        archive = serializer.validated_data.get("code")
        if archive is not None and archive.size > settings.UPLOAD_MAX_BYTES:
            raise ApiError(
                413, "too_large", f"The code archive exceeds {settings.UPLOAD_MAX_BYTES} bytes."
            )
        group = _own_group(request, serializer.validated_data.get("group"))
        result = component_register_upload(
            yaml_text=serializer.validated_data["spec"],
            archive=archive,
            user=request.user,
            group=group,
        )
        body = ComponentVersionSerializer(result.version).data
        body["created"] = result.created
        body["warnings"] = [w.as_dict() for w in result.warnings]
        return Response(body, status=status.HTTP_201_CREATED if result.created else 200)


class ComponentDetailView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request: Request, name: str) -> Response:
        component = component_for_user(request.user, name)
        if component is None:
            raise ApiError(404, "not_found", f"Component {name!r} is not registered.")
        return Response(ComponentDetailSerializer(component).data)


class ComponentVersionView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request: Request, name: str, version: str) -> Response:
        return Response(ComponentVersionSerializer(_version_or_404(request, name, version)).data)


class ComponentCodeView(APIView):
    """The version's code snapshot as a tar.gz."""

    @extend_schema(responses={(200, "application/gzip"): bytes})
    def get(self, request: Request, name: str, version: str) -> FileResponse:
        found = _version_or_404(request, name, version)
        if not found.code_path:
            raise ApiError(404, "no_code", f"{found.ref} has no code folder.")
        folder = Path(settings.STORE_DIR) / found.code_path
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for path in sorted(folder.rglob("*")):
                tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
        buffer.seek(0)
        filename = f"{found.component.name}-{found.version}-code.tar.gz"
        return FileResponse(buffer, as_attachment=True, filename=safe_filename(filename))
