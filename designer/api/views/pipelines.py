"""Pipelines over HTTP: documents, versions, clone, archive, validation, schema."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.api.errors import ApiError
from designer.api.pagination import Pagination
from designer.api.serializers import (
    ArchiveSerializer,
    CloneSerializer,
    PipelineCreateSerializer,
    PipelineDetailSerializer,
    PipelineSerializer,
    PipelineVersionSerializer,
    PipelineVersionSummarySerializer,
    ValidateSerializer,
    VersionSaveSerializer,
)
from designer.engine.runtime import sandbox_status
from designer.pipelines.models import Pipeline, PipelineVersion
from designer.pipelines.policies import pipeline_change_refusal, pipeline_may_change
from designer.pipelines.schema import PIPELINE_SCHEMA
from designer.pipelines.selectors import pipeline_for_user
from designer.pipelines.services import (
    document_validate,
    pipeline_archive,
    pipeline_clone,
    pipeline_create,
    pipeline_version_save,
    pipelines_search,
)
from designer.pipelines.types import compatibility_matrix
from designer.registry.types import INPUT_TYPES, OUTPUT_TYPES


def pipeline_or_404(pipeline_id: int, user: Any) -> Pipeline:
    pipeline = pipeline_for_user(user, pipeline_id)
    if pipeline is None:
        raise ApiError(404, "not_found", f"Pipeline {pipeline_id} does not exist.")
    return pipeline


def version_or_404(pipeline: Pipeline, number: int) -> PipelineVersion:
    version = pipeline.versions.select_related("author").filter(number=number).first()
    if version is None:
        raise ApiError(404, "not_found", f"Pipeline {pipeline.name!r} has no version {number}.")
    return version


def _check_can_edit(request: Request, pipeline: Pipeline) -> None:
    """Everyone signed in can read and clone; only the owner or staff change a pipeline."""
    if not pipeline_may_change(request.user, pipeline):
        raise ApiError(403, "permission_denied", pipeline_change_refusal(pipeline))


class PipelineListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("search", str),
            OpenApiParameter("owner", str, description="a username"),
            OpenApiParameter("archived", bool, description="include archived pipelines"),
        ],
        responses={200: PipelineSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        qs = pipelines_search(
            search=params.get("search", ""),
            owner=params.get("owner", ""),
            include_archived=params.get("archived", "").lower() in {"1", "true", "yes"},
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(PipelineSerializer(page, many=True).data)

    @extend_schema(request=PipelineCreateSerializer, responses={201: PipelineDetailSerializer})
    def post(self, request: Request) -> Response:
        serializer = PipelineCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pipeline = pipeline_create(owner=request.user, **serializer.validated_data)
        return Response(PipelineDetailSerializer(pipeline).data, status=status.HTTP_201_CREATED)


class PipelineDetailView(APIView):
    @extend_schema(responses={200: PipelineDetailSerializer})
    def get(self, request: Request, pipeline_id: int) -> Response:
        return Response(PipelineDetailSerializer(pipeline_or_404(pipeline_id, request.user)).data)


class PipelineVersionListView(APIView):
    @extend_schema(responses={200: PipelineVersionSummarySerializer(many=True)})
    def get(self, request: Request, pipeline_id: int) -> Response:
        pipeline = pipeline_or_404(pipeline_id, request.user)
        versions = pipeline.versions.select_related("author").order_by("-number")
        return Response(PipelineVersionSummarySerializer(versions, many=True).data)

    @extend_schema(request=VersionSaveSerializer, responses={201: PipelineVersionSerializer})
    def post(self, request: Request, pipeline_id: int) -> Response:
        pipeline = pipeline_or_404(pipeline_id, request.user)
        _check_can_edit(request, pipeline)
        serializer = VersionSaveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = pipeline_version_save(
            pipeline=pipeline, author=request.user, **serializer.validated_data
        )
        return Response(PipelineVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class PipelineVersionView(APIView):
    @extend_schema(responses={200: PipelineVersionSerializer})
    def get(self, request: Request, pipeline_id: int, number: int) -> Response:
        version = version_or_404(pipeline_or_404(pipeline_id, request.user), number)
        return Response(PipelineVersionSerializer(version).data)


class PipelineCloneView(APIView):
    @extend_schema(request=CloneSerializer, responses={201: PipelineDetailSerializer})
    def post(self, request: Request, pipeline_id: int) -> Response:
        pipeline = pipeline_or_404(pipeline_id, request.user)
        serializer = CloneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        number = serializer.validated_data.get("version", pipeline.latest_version)
        source = version_or_404(pipeline, number)
        clone = pipeline_clone(
            source=source, name=serializer.validated_data["name"], owner=request.user
        )
        return Response(PipelineDetailSerializer(clone).data, status=status.HTTP_201_CREATED)


class PipelineArchiveView(APIView):
    @extend_schema(request=None, responses={200: PipelineSerializer})
    def post(self, request: Request, pipeline_id: int) -> Response:
        pipeline = pipeline_or_404(pipeline_id, request.user)
        _check_can_edit(request, pipeline)
        body = ArchiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)  # `archived` must be a boolean
        archived = body.validated_data["archived"]
        return Response(
            PipelineSerializer(pipeline_archive(pipeline=pipeline, archived=archived)).data
        )


class ValidateView(APIView):
    """Validate a document without saving it."""

    @extend_schema(request=ValidateSerializer, responses={200: dict})
    def post(self, request: Request) -> Response:
        serializer = ValidateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issues = document_validate(serializer.validated_data["document"], user=request.user)
        return Response({"valid": not issues, "errors": [i.as_dict() for i in issues]})


class PipelineSchemaView(APIView):
    """The JSON Schema of the pipeline document."""

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response(PIPELINE_SCHEMA)


class MetaView(APIView):
    """What the canvas needs to agree with the server: pools, types, connection rules."""

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response(
            {
                "compute_pools": settings.COMPUTE_POOLS,
                "default_compute": settings.DEFAULT_COMPUTE,
                "input_types": list(INPUT_TYPES),
                "output_types": list(OUTPUT_TYPES),
                "compatibility": compatibility_matrix(),
                "embedded": settings.EMBEDDED,
                # The admin banner: steps cannot be sandboxed on this server.
                "sandbox": {
                    **sandbox_status().as_dict(),
                    "allow_unsandboxed": settings.ALLOW_UNSANDBOXED,
                },
            }
        )


__all__ = ["permissions"]
