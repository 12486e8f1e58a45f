"""Pipeline templates over HTTP: list them, and "new from template"."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.api.errors import ApiError
from designer.api.serializers import PipelineDetailSerializer
from designer.api.strict import StrictFields
from designer.pipelines.models import PipelineTemplate
from designer.pipelines.samples import template_instantiate


class TemplateSerializer(serializers.ModelSerializer):
    node_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = PipelineTemplate
        fields = ["slug", "name", "description", "node_count"]


class InstantiateSerializer(StrictFields):
    name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="The new pipeline's name; the template's name made unique when empty.",
    )


class TemplateListView(APIView):
    @extend_schema(responses={200: TemplateSerializer(many=True)})
    def get(self, request: Request) -> Response:
        templates = PipelineTemplate.objects.order_by("name")
        return Response(TemplateSerializer(templates, many=True).data)


class TemplateInstantiateView(APIView):
    @extend_schema(request=InstantiateSerializer, responses={201: PipelineDetailSerializer})
    def post(self, request: Request, slug: str) -> Response:
        template = PipelineTemplate.objects.filter(slug=slug).first()
        if template is None:
            raise ApiError(404, "not_found", f"Template {slug!r} does not exist.")
        serializer = InstantiateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        name = serializer.validated_data["name"].strip()
        pipeline = template_instantiate(template=template, owner=request.user, name=name)
        return Response(PipelineDetailSerializer(pipeline).data, status=status.HTTP_201_CREATED)
