"""Limits every /api/ request meets before a view runs: body size and JSON depth."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

from designer.api.errors import error_body
from designer.core.jsonsafe import MAX_DEPTH, JsonLimitError, json_loads


def too_large(limit: int) -> JsonResponse:
    message = f"The request body is larger than the limit of {limit} bytes."
    return JsonResponse(error_body("too_large", message, {"limit": limit}), status=413)


class ApiRequestLimitsMiddleware:
    """413 for an oversized body and 400 for over-deep JSON, in the API's error shape.

    It runs before the CSRF check and the views, so neither Django's HTML error pages nor a
    recursion in a JSON parser is ever reached by a hostile body.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            refused = self.refusal(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        content_type = request.content_type or ""
        multipart = content_type.startswith("multipart/")
        # File uploads have their own, larger limit; every other body is read into memory.
        limit = (
            settings.UPLOAD_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if multipart
            else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            return too_large(limit)
        if content_type.endswith("json"):
            try:
                body = request.body
            except RequestDataTooBig:
                return too_large(limit)
            max_depth = getattr(settings, "MAX_JSON_DEPTH", MAX_DEPTH)
            try:
                json_loads(body, max_depth=max_depth)
            except JsonLimitError:
                message = f"The JSON body nests deeper than {max_depth} levels."
                return JsonResponse(error_body("parse_error", message), status=400)
            except ValueError:
                pass  # malformed JSON: the view's parser answers with its own 400
        return None
