"""Step outputs in the browser: previews, single-file downloads, and the log read in chunks.

Same visibility as the run (submitter and staff; others get 404), and no path reaches
outside the output it names: `safe_resolve` refuses ``..``, absolute paths and symlinks
leaving the store, and the result must stay inside the output's own folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.api import previews
from designer.api.errors import ApiError
from designer.api.params import int_param, path_param, safe_filename
from designer.api.views.runs import log_file, run_or_404, step_or_404
from designer.engine.artifacts import UnsafePathError, safe_resolve, servable_file
from designer.engine.models import TERMINAL, StepRun

LOG_CHUNK_BYTES = 128 * 1024
# An SVG is only ever shown through <img>; if opened directly it still runs no script.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


def output_root(request: Request, run_id: int, node_id: str, port: str) -> tuple[dict, Path]:
    step = step_or_404(run_or_404(request, run_id), node_id)
    output = (step.outputs or {}).get(port)
    if not output:
        raise ApiError(404, "not_found", f"Run {run_id} has no output {node_id}.{port} (yet).")
    try:
        root = safe_resolve(Path(settings.ARTIFACTS_DIR), output["path"])
    except UnsafePathError:
        raise ApiError(404, "not_found", f"Output {node_id}.{port} is not readable.") from None
    if not root.exists():
        raise ApiError(404, "gone", f"Output {node_id}.{port} was deleted from the store.")
    return output, root


def file_in_output(root: Path, relative: str) -> Path:
    """`relative` inside the output folder `root`; 404 for anything that would leave it."""
    if root.is_file():
        if relative in ("", root.name) and servable_file(root):
            return root
        raise ApiError(404, "not_found", f"The output has no file {relative!r}.")
    try:
        path = safe_resolve(root, relative)
    except UnsafePathError:
        raise ApiError(404, "not_found", f"The output has no file {relative!r}.") from None
    if not servable_file(path) or not path.is_relative_to(root):
        raise ApiError(404, "not_found", f"The output has no file {relative!r}.")
    return path


class OutputPreviewView(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, run_id: int, node_id: str, port: str) -> Response:
        output, root = output_root(request, run_id, node_id, port)
        base = {"port": port, "type": output.get("type"), "size": output.get("size")}
        if root.is_file():
            files = [{"path": root.name, "size": root.stat().st_size}]
            main: str | None = root.name
        else:
            files = previews.list_files(root)
            main = previews.main_file(files)
        preview = previews.preview_file(file_in_output(root, main)) if main else {"kind": "none"}
        images = previews.image_files(files)
        return Response(
            {**base, "files": files, "main": main, "preview": preview, "images": images}
        )


class OutputDownloadView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("path", str, description="a file inside the output")],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, run_id: int, node_id: str, port: str) -> FileResponse:
        _, root = output_root(request, run_id, node_id, port)
        path = file_in_output(root, path_param(request, "path"))
        image = previews.content_type(path)
        inline = image is not None and request.query_params.get("inline") == "1"
        # A PNG or JPEG says what it is even as a download; an SVG (it can hold script) is
        # only ever typed as an image inline, under the sandbox policy below.
        typed = image if image is not None and (inline or image != previews.SVG_TYPE) else None
        response = FileResponse(
            path.open("rb"),
            as_attachment=not inline,
            filename=safe_filename(path.name),
            content_type=typed or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        if image == previews.SVG_TYPE:
            response["Content-Security-Policy"] = SVG_CSP
        return response


def read_chunk(path: Path, *, before: int | None, after: int | None) -> tuple[int, bytes]:
    """Whole lines of the log next to a byte offset: the chunk before `before`, or after `after`."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        if after is not None:
            start = min(after, size)
            handle.seek(start)
            data = handle.read(LOG_CHUNK_BYTES)
            cut = data.rfind(b"\n") + 1  # a line still being written waits for the next read
            return start, data[:cut] if cut else b""
        end = size if before is None else min(before, size)
        start = max(end - LOG_CHUNK_BYTES, 0)
        handle.seek(start)
        data = handle.read(end - start)
    if start > 0:  # drop the partial first line; the next chunk back ends with it
        cut = data.find(b"\n") + 1
        start, data = start + cut, data[cut:]
    return start, data


class StepLogChunkView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("before", int, description="read the lines ending at this offset"),
            OpenApiParameter("after", int, description="read the lines starting at this offset"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, run_id: int, node_id: str) -> Response:
        step: StepRun = step_or_404(run_or_404(request, run_id), node_id)
        before, after = (offset(request, name) for name in ("before", "after"))
        path = log_file(step)
        if path is None:
            data: dict[str, Any] = {"start": 0, "end": 0, "size": 0, "text": ""}
            return Response({**data, "complete": step.status in TERMINAL})
        start, chunk = read_chunk(path, before=before, after=after)
        size = path.stat().st_size
        end = start + len(chunk)
        return Response(
            {
                "start": start,
                "end": end,
                "size": size,
                "attempt": step.attempt,
                "text": chunk.decode("utf-8", "replace"),
                "complete": step.status in TERMINAL and end >= size,
            }
        )


def offset(request: Request, name: str) -> int | None:
    return int_param(request, name)
