"""Runs over HTTP: submit, list, detail, cancel, rerun, step logs and the event replay."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DataError, InterfaceError, OperationalError
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.api.errors import ApiError
from designer.api.pagination import Pagination
from designer.api.params import int_param, safe_filename
from designer.api.run_serializers import RunDetailSerializer, RunSerializer
from designer.api.strict import StrictFields, refuse_body
from designer.engine.artifacts import UnsafePathError, safe_resolve
from designer.engine.idempotency import (
    KeyReused,
    key_check,
    request_digest,
    run_by_key,
    run_submit_once,
)
from designer.engine.models import TERMINAL, Run, RunEvent, StepRun
from designer.engine.selectors import run_for_user, runs_visible_to
from designer.engine.submit import RunRefused, run_cancel, run_rerun, run_submit
from designer.pipelines.selectors import pipeline_for_user

T = TypeVar("T")
logger = logging.getLogger(__name__)
TAIL_MAX_BYTES = 64 * 1024
EVENTS_MAX = 1000


class RunSubmitSerializer(StrictFields):
    pipeline = serializers.IntegerField()
    version = serializers.IntegerField(required=False, min_value=1)
    inputs = serializers.DictField(required=False, default=dict)
    settings = serializers.DictField(required=False, default=dict)


def visible_runs(request: Request) -> QuerySet[Run]:
    """The caller's runs (all for staff): `designer.engine.selectors` decides."""
    return runs_visible_to(request.user)


def run_or_404(request: Request, run_id: int) -> Run:
    run = run_for_user(request.user, run_id)
    if run is None:
        raise ApiError(404, "not_found", f"Run {run_id} does not exist.")
    return run


def step_or_404(run: Run, node_id: str) -> StepRun:
    step = run.steps.filter(node_id=node_id).first()
    if step is None:
        raise ApiError(404, "not_found", f"Run {run.pk} has no step {node_id!r}.")
    return step


def log_file(step: StepRun) -> Path | None:
    if not step.log_path:
        return None
    try:
        path = safe_resolve(Path(settings.ARTIFACTS_DIR), step.log_path)
    except UnsafePathError:
        return None
    return path if path.is_file() else None


class RunListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("pipeline", int),
            OpenApiParameter("status", str),
            OpenApiParameter("user", str, description="a username"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        runs = visible_runs(request)
        params = request.query_params
        pipeline_id = int_param(request, "pipeline")
        if pipeline_id is not None:
            runs = runs.filter(pipeline_id=pipeline_id)
        if params.get("status"):
            runs = runs.filter(status=params["status"])
        if params.get("user"):
            runs = runs.filter(user__username=params["user"])
        paginator = Pagination()
        runs = runs.select_related("label").order_by("-id")
        page = paginator.paginate_queryset(runs, request, view=self) or []
        return paginator.get_paginated_response(RunSerializer(page, many=True).data)

    @extend_schema(request=RunSubmitSerializer, responses={201: RunDetailSerializer})
    def post(self, request: Request) -> Response:
        body = RunSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pipeline = pipeline_for_user(request.user, body.validated_data["pipeline"])
        if pipeline is None:
            raise ApiError(404, "not_found", "Pipeline does not exist.")
        number = body.validated_data.get("version") or pipeline.latest_version
        version = pipeline.versions.filter(number=number).first()
        if version is None:
            raise ApiError(404, "not_found", f"Pipeline {pipeline.name!r} has no version {number}.")

        def submit() -> Run:
            return run_submit(
                pipeline_version=version,
                user=request.user,
                inputs=body.validated_data["inputs"],
                settings=body.validated_data["settings"],
            )

        run, created = submit_idempotent(request, submit)
        return Response(RunDetailSerializer(run).data, status=201 if created else 200)


def submit_idempotent(request: Request, submit: Callable[[], Run]) -> tuple[Run, bool]:
    """Submit under the request's Idempotency-Key, if any; (run, created).

    With a key, a repeat of the same request answers 200 with the run it created; the same
    key with another body is a 422. A failure while submitting is a JSON error saying
    whether the run exists (the run is created in one transaction, so it does not unless
    the key finds it), never an HTML 500. KeyInvalid, KeyReused and RunRefused are
    answered by `api.errors`.
    """
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return _submit_guarded(submit, request=request, key=None), True
    key_check(key)
    digest = request_digest(request.data)
    return _submit_guarded(
        lambda: run_submit_once(user=request.user, key=key, digest=digest, submit=submit),
        request=request,
        key=key,
    )


def _submit_guarded(submit: Callable[[], T], *, request: Request, key: str | None) -> T:
    try:
        return submit()
    except (RunRefused, KeyReused, APIException, DataError, Http404, PermissionDenied):
        raise  # Answers the API's error handler already gives as a 4xx.
    except Exception as exc:
        logger.exception("submitting a run failed")
        exists = None
        if key is not None:
            with contextlib.suppress(Exception):
                found = run_by_key(user=request.user, key=key)
                exists = found.pk if found is not None else None
        unavailable = isinstance(exc, OperationalError | InterfaceError)
        message = (
            "The database is unavailable; the run was not created. Retry later"
            if unavailable and exists is None
            else "Submitting the run failed"
        )
        if exists is not None:
            message = f"Submitting failed after run {exists} was created; it will run"
        elif key is not None:
            message += " (retrying with the same Idempotency-Key is safe)"
        raise ApiError(
            503 if unavailable else 500,
            "submit_failed",
            message + ".",
            {"run_created": exists is not None, "run": exists, "error": type(exc).__name__},
        ) from None


class RunDetailView(APIView):
    @extend_schema(responses={200: RunDetailSerializer})
    def get(self, request: Request, run_id: int) -> Response:
        return Response(RunDetailSerializer(run_or_404(request, run_id)).data)


class RunCancelView(APIView):
    @extend_schema(request=None, responses={200: RunDetailSerializer})
    def post(self, request: Request, run_id: int) -> Response:
        refuse_body(request)
        run = run_cancel(run=run_or_404(request, run_id))
        return Response(RunDetailSerializer(run).data)


class RunRerunView(APIView):
    @extend_schema(request=None, responses={201: RunDetailSerializer})
    def post(self, request: Request, run_id: int) -> Response:
        refuse_body(request)
        run = run_rerun(run=run_or_404(request, run_id), user=request.user)
        return Response(RunDetailSerializer(run).data, status=201)


class StepLogView(APIView):
    @extend_schema(responses={(200, "text/plain"): OpenApiTypes.BINARY})
    def get(self, request: Request, run_id: int, node_id: str) -> FileResponse:
        step = step_or_404(run_or_404(request, run_id), node_id)
        path = log_file(step)
        if path is None:
            raise ApiError(404, "not_found", f"Step {node_id!r} has no log (yet).")
        name = f"run-{run_id}-{node_id}-{step.attempt}.log"
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=safe_filename(name),
            content_type="text/plain",
        )


class StepLogTailView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("offset", int, description="byte offset to read from")],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, run_id: int, node_id: str) -> Response:
        step = step_or_404(run_or_404(request, run_id), node_id)
        offset = int_param(request, "offset", 0) or 0
        path = log_file(step)
        data = b""
        if path is not None:
            with path.open("rb") as handle:
                handle.seek(offset)
                data = handle.read(TAIL_MAX_BYTES)
        size = path.stat().st_size if path is not None else 0
        next_offset = offset + len(data)
        complete = step.status in TERMINAL and next_offset >= size
        text = data.decode("utf-8", "replace")
        return Response(
            {"offset": offset, "next_offset": next_offset, "text": text, "complete": complete}
        )


class RunEventsView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("after", int, description="the last seq already seen")],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, run_id: int) -> Response:
        run = run_or_404(request, run_id)
        after = int_param(request, "after", 0) or 0
        events = list(RunEvent.objects.filter(run=run, seq__gt=after).order_by("seq")[:EVENTS_MAX])
        return Response(
            {
                "run": run.pk,
                "status": run.status,
                "last_seq": run.last_seq,
                "complete": run.status in TERMINAL and not events,
                "events": [event.as_dict() for event in events],
            }
        )
