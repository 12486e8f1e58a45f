"""Request and response shapes of the REST API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from designer.api.strict import StrictFields
from designer.pipelines.models import Pipeline, PipelineVersion
from designer.registry.models import Component, ComponentVersion
from designer.registry.policies import component_owner
from designer.registry.services import sorted_versions, spec_of
from designer.registry.types import PortSpec


def port_json(port: PortSpec) -> dict[str, Any]:
    return {
        "type": port.type,
        "optional": port.optional,
        "default": port.default if port.has_default else None,
        "has_default": port.has_default,
        "min": port.min,
        "max": port.max,
        "enum": list(port.enum) if port.enum else None,
        "description": port.description,
    }


def _latest(component: Component) -> ComponentVersion:
    """The newest named version; for a name with only anonymous ones, the newest of those."""
    every = list(component.versions.all())
    named = {v.version: v for v in every if not v.anonymous}
    if named:
        return named[sorted_versions(named)[0]]
    return max(every, key=lambda v: v.created_at)


def _is_builtin(component: Component) -> bool:
    """A built-in name: the `azureml` registry (azureml://registries/azureml/components/...)."""
    return component.is_system and any(v.source == "builtin" for v in component.versions.all())


class ComponentSerializer(serializers.Serializer):
    """A list entry: the component as its latest version describes it."""

    def to_representation(self, instance: Component) -> dict[str, Any]:
        latest = _latest(instance)
        return {
            "name": instance.name,
            "owner": component_owner(instance),
            "display_name": latest.display_name,
            "description": latest.description,
            "tags": latest.tags,
            "latest_version": latest.version,
            "versions": sorted_versions(v.version for v in instance.versions.all()),
            # Anonymous versions (pipeline imports) are grouped apart; `@latest` skips them.
            "anonymous_versions": sum(1 for v in instance.versions.all() if v.anonymous),
            "only_anonymous": latest.anonymous,
            "registry": "azureml" if _is_builtin(instance) else "workspace",
            "updated_at": instance.updated_at.isoformat(),
        }


class ComponentDetailSerializer(ComponentSerializer):
    def to_representation(self, instance: Component) -> dict[str, Any]:
        data = super().to_representation(instance)
        by_version = {v.version: v for v in instance.versions.all()}
        data["versions"] = [
            {
                "version": number,
                "digest": by_version[number].digest,
                "display_name": by_version[number].display_name,
                "anonymous": by_version[number].anonymous,
                "source": by_version[number].source,
                "created_at": by_version[number].created_at.isoformat(),
            }
            for number in sorted_versions(by_version)
        ]
        return data


class ComponentVersionSerializer(serializers.Serializer):
    def to_representation(self, instance: ComponentVersion) -> dict[str, Any]:
        spec = spec_of(instance)
        return {
            "name": instance.component.name,
            "version": instance.version,
            "ref": instance.ref,
            "display_name": instance.display_name,
            "description": instance.description,
            "tags": instance.tags,
            "inputs": {name: port_json(p) for name, p in spec.inputs.items()},
            "outputs": {name: port_json(p) for name, p in spec.outputs.items()},
            "command": spec.command,
            "environment": spec.environment,
            "code": spec.code,
            "resources": spec.resources,
            "distribution": spec.distribution,
            "is_deterministic": instance.is_deterministic,
            "yaml": instance.yaml,
            "digest": instance.digest,
            "code_digest": instance.code_digest,
            "warnings": instance.warnings,
            "source": instance.source,
            "anonymous": instance.anonymous,
            "created_by": instance.created_by.username if instance.created_by else None,
            "created_at": instance.created_at.isoformat(),
        }


class SpecTextField(serializers.Field):
    """YAML text sent either as a form field or as an uploaded file."""

    def to_internal_value(self, data: Any) -> str:
        if hasattr(data, "read"):
            data = data.read()
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError:
                raise serializers.ValidationError("The spec is not UTF-8 text.") from None
        if not isinstance(data, str) or not data.strip():
            raise serializers.ValidationError("Send the component YAML as text or as a file.")
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class ComponentUploadSerializer(StrictFields):
    spec = SpecTextField(
        required=False,
        help_text="The component YAML, as text or as an uploaded file (`-F spec=@component.yml`).",
    )
    spec_file = serializers.FileField(required=False)
    code = serializers.FileField(
        required=False, help_text="A zip or tar.gz of the code folder's contents."
    )
    group = serializers.CharField(
        required=False,
        max_length=150,
        help_text="A group of yours that co-owns a new component name (its members publish too).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "spec" not in attrs and "spec_file" not in attrs:
            raise serializers.ValidationError({"spec": ["Send the component YAML as `spec`."]})
        if "spec_file" in attrs:
            raw = attrs.pop("spec_file").read()
            try:
                attrs["spec"] = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise serializers.ValidationError({"spec_file": ["Not UTF-8 text."]}) from None
        return attrs


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


class DocumentField(serializers.JSONField):
    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            raise serializers.ValidationError("The pipeline document must be a JSON object.")
        if _has_nul(value):
            # PostgreSQL cannot store it; refusing it everywhere keeps both databases alike.
            raise serializers.ValidationError("The document contains a NUL character (\\u0000).")
        return value


class PipelineVersionSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)
    pipeline = serializers.IntegerField(source="pipeline_id", read_only=True)

    class Meta:
        model = PipelineVersion
        fields = [
            "pipeline",
            "number",
            "message",
            "author",
            "created_at",
            "is_valid",
            "errors",
            "digest",
            "document",
        ]


class PipelineVersionSummarySerializer(PipelineVersionSerializer):
    class Meta(PipelineVersionSerializer.Meta):
        fields = [f for f in PipelineVersionSerializer.Meta.fields if f != "document"]


class PipelineSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)
    archived = serializers.BooleanField(read_only=True)

    class Meta:
        model = Pipeline
        fields = [
            "id",
            "name",
            "description",
            "owner",
            "latest_version",
            "created_at",
            "updated_at",
            "archived",
        ]


class PipelineDetailSerializer(PipelineSerializer):
    latest = serializers.SerializerMethodField()

    class Meta(PipelineSerializer.Meta):
        fields = [*PipelineSerializer.Meta.fields, "latest"]

    def get_latest(self, pipeline: Pipeline) -> dict[str, Any] | None:
        version = pipeline.versions.filter(number=pipeline.latest_version).first()
        return PipelineVersionSerializer(version).data if version else None


class PipelineCreateSerializer(StrictFields):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    document = DocumentField(required=False)
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class VersionSaveSerializer(StrictFields):
    document = DocumentField()
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class CloneSerializer(StrictFields):
    name = serializers.CharField(max_length=200)
    version = serializers.IntegerField(required=False, min_value=1)


class ValidateSerializer(StrictFields):
    document = serializers.JSONField()


class TokenRequestSerializer(StrictFields):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class LoginSerializer(StrictFields):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


class ArchiveSerializer(StrictFields):
    archived = serializers.BooleanField(required=False, default=True)
