"""A run's name, description and tags over HTTP: read and changed by whoever may see the run."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.api.strict import StrictFields
from designer.api.views.runs import run_or_404
from designer.results.services import run_label_data, run_label_update

TAGS_MAX = 50


class RunLabelSerializer(StrictFields):
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    tags = serializers.DictField(
        required=False, child=serializers.CharField(allow_blank=True, max_length=256)
    )

    def validate_tags(self, tags: dict[str, str]) -> dict[str, str]:
        if len(tags) > TAGS_MAX:
            raise serializers.ValidationError(f"At most {TAGS_MAX} tags.")
        for key in tags:
            if not key.strip() or len(key) > 64:
                raise serializers.ValidationError(f"Tag name {key[:64]!r} must be 1-64 characters.")
        return tags


class RunLabelView(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, run_id: int) -> Response:
        return Response(run_label_data(run_or_404(request, run_id)))

    @extend_schema(request=RunLabelSerializer, responses={200: OpenApiTypes.OBJECT})
    def patch(self, request: Request, run_id: int) -> Response:
        """Name, describe or tag a run; fields left out keep their value."""
        run = run_or_404(request, run_id)
        body = RunLabelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(run_label_update(run=run, changes=dict(body.validated_data)))
