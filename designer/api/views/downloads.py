"""Step outputs as downloads (a zip of the output folder or file), for `conveyor job download`."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from designer.api.errors import ApiError
from designer.api.params import attachment
from designer.engine.artifacts import UnsafePathError, safe_resolve, servable_file
from designer.engine.selectors import run_for_user


def _output_path(request: Request, run_id: int, node_id: str, port: str) -> Path:
    run = run_for_user(request.user, run_id)
    if run is None:
        raise ApiError(404, "not_found", f"Run {run_id} does not exist.")
    step = run.steps.filter(node_id=node_id).first()
    output = (step.outputs or {}).get(port) if step is not None else None
    if not output:
        raise ApiError(404, "not_found", f"Run {run_id} has no output {node_id}.{port} (yet).")
    try:
        path = safe_resolve(Path(settings.ARTIFACTS_DIR), output["path"])
    except UnsafePathError:
        raise ApiError(404, "not_found", f"Output {node_id}.{port} is not readable.") from None
    if not path.exists():
        raise ApiError(404, "gone", f"Output {node_id}.{port} was deleted from the store.")
    return path


class StepOutputView(APIView):
    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request: Request, run_id: int, node_id: str, port: str) -> HttpResponse:
        path = _output_path(request, run_id, node_id, port)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            if servable_file(path):
                archive.write(path, path.name)
            for item in sorted(path.rglob("*")) if path.is_dir() else []:
                if servable_file(item):
                    archive.write(item, item.relative_to(path).as_posix())
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        filename = f"run-{run_id}-{node_id}-{port}.zip"
        response["Content-Disposition"] = attachment(filename)
        return response
