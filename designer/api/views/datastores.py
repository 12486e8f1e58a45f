"""Datastores over HTTP: list, show and browse the granted ones; staff register and grant.

A datastore's server folder is never in an answer (staff see it in the Django admin);
a datastore the user is not granted answers 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.api.errors import ApiError
from designer.api.params import path_param
from designer.api.strict import StrictFields
from designer.datastores.models import Access, Datastore
from designer.datastores.policies import datastore_access, datastores_for_user
from designer.datastores.services import (
    DatastoreInvalid,
    datastore_browse,
    datastore_create,
    datastore_grant,
    uploads_ensure,
)


def datastore_public(datastore: Datastore, user: Any) -> dict[str, Any]:
    return {
        "name": datastore.name,
        "kind": datastore.kind,
        "description": datastore.description,
        "access": datastore_access(user, datastore),
        "reference": f"azureml://datastores/{datastore.name}/paths/",
    }


def datastore_or_404(request: Request, name: str) -> Datastore:
    if name == "uploads":
        uploads_ensure()
    datastore = datastores_for_user(request.user).filter(name=name).first()
    if datastore is None:
        raise ApiError(404, "not_found", f"There is no datastore {name!r} granted to you.")
    return datastore


def _staff_only(request: Request) -> None:
    if not request.user.is_staff:
        raise ApiError(403, "permission_denied", "Only staff register and grant datastores.")


class DatastoreCreateSerializer(StrictFields):
    name = serializers.CharField(max_length=100)
    # The metaclass pops declared fields, so this never shadows Field.root at run time.
    root = serializers.CharField(  # type: ignore[assignment]
        max_length=1000, help_text="absolute folder on the server"
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class GrantSerializer(StrictFields):
    user = serializers.CharField(required=False, max_length=150, help_text="a username")
    group = serializers.CharField(required=False, max_length=150, help_text="a group name")
    access = serializers.ChoiceField(choices=Access.values, default=Access.READ)


class DatastoreListView(APIView):
    """GET: the datastores granted to you (staff: all). POST (staff): register one."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        uploads_ensure()
        found = datastores_for_user(request.user)
        return Response({"results": [datastore_public(d, request.user) for d in found]})

    @extend_schema(request=DatastoreCreateSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        _staff_only(request)
        body = DatastoreCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        datastore = datastore_create(**body.validated_data)
        return Response(datastore_public(datastore, request.user), status=status.HTTP_201_CREATED)


class DatastoreDetailView(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, name: str) -> Response:
        return Response(datastore_public(datastore_or_404(request, name), request.user))


class DatastoreBrowseView(APIView):
    """The files and folders in one folder of a datastore, each with its reference."""

    @extend_schema(
        parameters=[OpenApiParameter("path", str, description="a folder; empty for the root")],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, name: str) -> Response:
        datastore = datastore_or_404(request, name)
        path = path_param(request, "path")
        entries = datastore_browse(datastore, path, user=request.user)
        return Response(
            {
                "datastore": datastore.name,
                "path": path.strip("/"),
                "entries": [entry.as_dict(datastore.name) for entry in entries],
            }
        )


class DatastoreGrantView(APIView):
    """POST (staff): grant the datastore to a user or a group, read or write."""

    # api/errors.py answers a refused grant as such, not as a refused datastore.
    error_codes = {DatastoreInvalid: "invalid_grant"}

    @extend_schema(request=GrantSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request, name: str) -> Response:
        _staff_only(request)
        datastore = datastore_or_404(request, name)
        body = GrantSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = group = None
        if data.get("user"):
            user = get_user_model().objects.filter(username=data["user"]).first()
            if user is None:
                raise ApiError(400, "unknown_user", f"No user {data['user']!r}.", {"field": "user"})
        if data.get("group"):
            group = Group.objects.filter(name=data["group"]).first()
            if group is None:
                message = f"No group {data['group']!r}."
                raise ApiError(400, "unknown_group", message, {"field": "group"})
        grant = datastore_grant(datastore=datastore, user=user, group=group, access=data["access"])
        body_out = {
            "datastore": datastore.name,
            "user": user.get_username() if user else None,
            "group": group.name if group else None,
            "access": grant.access,
        }
        return Response(body_out, status=status.HTTP_201_CREATED)
