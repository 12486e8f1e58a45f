"""Run comparison over HTTP: GET /api/runs/compare/?ids=3,5 and the metrics of many runs."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.api.compare import COMPARE_MAX, METRICS_MAX_RUNS, compare_runs, run_metrics
from designer.api.errors import ApiError
from designer.engine.models import Run
from designer.engine.selectors import runs_visible_to


def run_ids(request: Request, *, least: int, most: int) -> list[int]:
    """The `ids` query parameter: distinct run ids, comma-separated, in order."""
    raw = request.query_params.get("ids", "")
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not all(part.isdigit() and len(part) <= 18 for part in parts):
        raise ApiError(
            400, "invalid", "ids must be run ids separated by commas.", {"ids": raw[:200]}
        )
    ids = list(dict.fromkeys(int(part) for part in parts))
    if not least <= len(ids) <= most:
        raise ApiError(
            400, "invalid", f"ids must name {least} to {most} different runs.", {"ids": raw[:200]}
        )
    return ids


def visible(request: Request, ids: list[int]) -> list[Run]:
    """The runs in `ids` order; 404 naming the first one the caller may not see."""
    runs = runs_visible_to(request.user).select_related("label").filter(pk__in=ids)
    found = {run.pk: run for run in runs}
    for run_id in ids:
        if run_id not in found:
            raise ApiError(404, "not_found", f"Run {run_id} does not exist.", {"ids": run_id})
    return [found[run_id] for run_id in ids]


class RunCompareView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "ids",
                str,
                description="up to 10 run ids, comma-separated; the first is the baseline",
            )
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        runs = visible(request, run_ids(request, least=1, most=COMPARE_MAX))
        return Response(compare_runs(runs))


class RunMetricsView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("ids", str, description="1 to 100 run ids, comma-separated")],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        """Every metric of each run's metrics.json outputs, by run id: the runs list's columns."""
        runs = visible(request, run_ids(request, least=1, most=METRICS_MAX_RUNS))
        return Response({str(run.pk): run_metrics(run) for run in runs})
