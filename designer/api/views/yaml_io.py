"""Azure ML YAML import and export, and dataset uploads, over HTTP."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.api.errors import ApiError
from designer.api.params import attachment
from designer.api.serializers import PipelineDetailSerializer
from designer.api.strict import StrictFields
from designer.api.views.datasets import dataset_rows
from designer.api.views.pipelines import pipeline_or_404, version_or_404
from designer.datastores.datasets import dataset_store_path, dataset_store_upload
from designer.datastores.policies import datasets_for_user
from designer.datastores.services import dataset_public, dataset_record
from designer.pipelines.yaml_services import (
    ImportOutcome,
    pipeline_version_export,
    pipeline_yaml_import_upload,
)
from designer.registry.services import UnknownComponent
from designer.registry.store import ArchiveError, extract_archive

YAML_MAX_BYTES = 1024 * 1024


class ImportSerializer(StrictFields):
    pipeline = serializers.FileField(required=False, help_text="the pipeline job YAML file")
    yaml = serializers.CharField(required=False, trim_whitespace=False, help_text="or its text")
    bundle = serializers.FileField(
        required=False, help_text="zip or tar.gz of the folder holding the YAML"
    )
    name = serializers.CharField(required=False, max_length=200, help_text="pipeline name")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("pipeline" in attrs) == ("yaml" in attrs):
            raise serializers.ValidationError("Send the YAML as `pipeline` (a file) or `yaml`.")
        return attrs


class DatasetUploadSerializer(StrictFields):
    file = serializers.FileField()
    folder = serializers.BooleanField(
        default=False,
        help_text="`file` is a zip of a folder's contents: stored as a uri_folder named after it.",
    )


def _yaml_text(data: dict[str, Any]) -> tuple[str, str]:
    upload = data.get("pipeline")
    if upload is None:
        return data["yaml"], "pipeline.yml"
    if upload.size > YAML_MAX_BYTES:
        raise ApiError(413, "too_large", f"The YAML exceeds {YAML_MAX_BYTES} bytes.")
    try:
        return upload.read().decode("utf-8"), upload.name or "pipeline.yml"
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_yaml", "The pipeline YAML is not UTF-8 text.") from None


def _outcome_body(outcome: ImportOutcome) -> dict[str, Any]:
    body = dict(PipelineDetailSerializer(outcome.pipeline).data)
    body.update(
        {
            "version": outcome.version.number,
            "created": outcome.created,
            "new_version": outcome.new_version,
            "components": outcome.components,
            "warnings": [w.as_dict() for w in outcome.warnings],
        }
    )
    return body


class PipelineImportView(APIView):
    """Import an Azure ML pipeline job YAML (plus the folder it references) as a pipeline."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request=ImportSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        serializer = ImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        text, filename = _yaml_text(data)
        bundle = data.get("bundle")
        if bundle is not None and bundle.size > settings.UPLOAD_MAX_BYTES:
            message = f"The bundle exceeds {settings.UPLOAD_MAX_BYTES} bytes."
            raise ApiError(413, "too_large", message)
        outcome = pipeline_yaml_import_upload(
            yaml_text=text,
            bundle=bundle,
            user=request.user,
            name=data.get("name"),
            filename=filename,
        )
        code = status.HTTP_201_CREATED if outcome.new_version else status.HTTP_200_OK
        return Response(_outcome_body(outcome), status=code)


class PipelineExportView(APIView):
    """A pipeline version as a zip: pipeline.yml, its component files and code, its data."""

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request: Request, pipeline_id: int, number: int) -> HttpResponse:
        version = version_or_404(pipeline_or_404(pipeline_id, request.user), number)
        try:
            payload = pipeline_version_export(version, user=request.user)
        # Kept here: the answer names the version, and a KeyError or TypeError (a stored
        # document the exporter cannot read) is a 400 only here, never in api/errors.py.
        except (UnknownComponent, KeyError, TypeError) as exc:
            message = f"Version {number} cannot be exported: {exc}"
            raise ApiError(400, "not_exportable", message) from None
        response = HttpResponse(payload, content_type="application/zip")
        response["Content-Disposition"] = attachment(f"{version.pipeline.name}-v{number}.zip")
        return response


class DatasetListView(APIView):
    """Your uploaded datasets; upload a file for a data input (its `reference` is the value).

    Answers name a dataset by id and reference, never by its server path.
    """

    parser_classes = [MultiPartParser, FormParser]
    # api/errors.py answers an archive refused here (a zipped folder) as a refused dataset.
    error_codes = {ArchiveError: "invalid_dataset"}

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        datasets = datasets_for_user(request.user).select_related("owner")[:500]
        return Response({"results": dataset_rows(datasets)})

    @extend_schema(request=DatasetUploadSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        serializer = DatasetUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise ApiError(413, "too_large", f"The file exceeds {settings.UPLOAD_MAX_BYTES} bytes.")
        if serializer.validated_data["folder"]:
            stored = _dataset_folder(upload)
        else:
            stored = dataset_store_upload(upload, filename=upload.name or "")
        dataset = dataset_record(stored, owner=request.user)
        return Response(dataset_public(dataset), status=status.HTTP_201_CREATED)


def _dataset_folder(upload: Any) -> Any:
    """Unpack a zipped folder (limits as for bundles) and store it as a uri_folder dataset."""
    tmp_root = Path(settings.STORE_DIR) / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="dataset-", dir=tmp_root))
    try:
        folder = tmp / (Path(upload.name or "folder").stem or "folder")
        extract_archive(
            upload,
            folder,
            max_bytes=settings.UPLOAD_MAX_BYTES,
            max_files=settings.UPLOAD_MAX_FILES,
        )
        return dataset_store_path(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
