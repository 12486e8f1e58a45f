"""Column names for the designer's column pickers (docs/components.md, "Editor hints").

`GET /api/pipelines/<id>/columns/?node=<node>&port=<output>` names the columns of that
output in the latest run of the pipeline *the user may see* (runs_visible_to): another
user's runs are never read, so for them the answer is simply "no columns yet".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.api import previews
from designer.api.errors import ApiError
from designer.api.views.pipelines import pipeline_or_404
from designer.engine.artifacts import UnsafePathError, safe_resolve
from designer.engine.models import Status, StepRun
from designer.engine.selectors import runs_visible_to

MAX_NAME = 128
RECENT_STEPS = 5  # completed steps looked at, newest first, for one with a readable table
MAX_COLUMNS = 2000


def _name_param(request: Request, name: str) -> str:
    value = request.query_params.get(name, "")
    if not value or len(value) > MAX_NAME or "\x00" in value:
        message = f"`{name}` is required: a node id or port name of at most {MAX_NAME} characters."
        raise ApiError(400, "invalid_parameter", message, {"field": name})
    return value


def table_columns(path: Path) -> list[dict[str, str]]:
    """The column names and types of a CSV, TSV or Parquet file, from its header only."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        schema = pq.ParquetFile(path).schema_arrow
    else:
        from pyarrow import csv

        reader = csv.open_csv(
            path,
            read_options=csv.ReadOptions(block_size=previews.TABLE_BLOCK),
            parse_options=csv.ParseOptions(delimiter=previews.TABLE_SUFFIXES[suffix]),
        )
        schema = reader.schema
    return [{"name": f.name, "dtype": str(f.type)} for f in schema][:MAX_COLUMNS]


def _table_of(output: dict[str, Any]) -> Path | None:
    try:
        root = safe_resolve(Path(settings.ARTIFACTS_DIR), str(output.get("path", "")))
    except UnsafePathError:
        return None
    if root.is_file():
        return root if root.suffix.lower() in previews.TABLE_SUFFIXES else None
    if not root.is_dir():
        return None
    main = previews.main_file(previews.list_files(root))
    if main is None or Path(main).suffix.lower() not in previews.TABLE_SUFFIXES:
        return None
    path = root / main
    return path if path.is_file() and path.resolve().is_relative_to(root) else None


class PipelineColumnsView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("node", str, required=True, description="a node id"),
            OpenApiParameter("port", str, required=True, description="an output of that node"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, pipeline_id: int) -> Response:
        pipeline = pipeline_or_404(pipeline_id, request.user)
        node, port = _name_param(request, "node"), _name_param(request, "port")
        steps = (
            StepRun.objects.filter(
                run__in=runs_visible_to(request.user).filter(pipeline=pipeline),
                node_id=node,
                status=Status.COMPLETED,
            )
            .select_related("run")
            .order_by("-run_id", "-attempt")[:RECENT_STEPS]
        )
        for step in steps:
            output = (step.outputs or {}).get(port)
            path = _table_of(output) if isinstance(output, dict) else None
            if path is None:
                continue
            try:
                columns = table_columns(path)
            except Exception:  # noqa: S112 (a malformed table offers no columns; an older run may)
                continue
            return Response({"run": step.run_id, "node": node, "port": port, "columns": columns})
        return Response({"run": None, "node": node, "port": port, "columns": []})
