"""One error shape for the whole API: {"code", "message", "details"}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import DataError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from designer.engine.idempotency import KeyInvalid, KeyReused
from designer.engine.submit import RunRefused


class ApiError(exceptions.APIException):
    """An error with an explicit status, code and structured details."""

    def __init__(self, status_code: int, code: str, message: str, details: Any = None) -> None:
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = details
        super().__init__(message, code)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details if details is not None else {}}


def _message_of(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "The request is invalid; see details."
    detail = exc.detail
    if isinstance(detail, list | dict):
        return str(exc.default_detail)
    return str(detail)


def _domain_error(exc: Exception) -> Response | None:
    """The answer to an engine error a view lets through (submit, rerun), else None."""
    header: dict[str, Any] = {"header": "Idempotency-Key"}
    if isinstance(exc, RunRefused):  # Every problem, as issues.
        message = "The run cannot start; see details."
        return Response(error_body("invalid_run", message, {"errors": exc.errors}), status=400)
    if isinstance(exc, KeyInvalid):
        return Response(error_body("invalid_idempotency_key", str(exc), header), status=400)
    if isinstance(exc, KeyReused):
        message = "This Idempotency-Key was already used for a different request."
        body = error_body("idempotency_key_reused", message, {**header, "run": exc.run.pk})
        return Response(body, status=422)
    return None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Wrap DRF's handler so every 4xx has the same JSON shape."""
    if isinstance(exc, ApiError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    domain = _domain_error(exc)
    if domain is not None:
        return domain
    if isinstance(exc, DataError):
        # A value the database cannot hold or compare (a NUL byte on PostgreSQL, an integer
        # past 64 bits): the request is at fault, so it is a 400, not a 500.
        message = "The request holds a value the database cannot store or compare."
        return Response(error_body("invalid_value", message), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):
        message = "The request body is larger than the limit."
        return Response(error_body("too_large", message), status=413)
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        message = "The request has too many fields or files."
        return Response(error_body("too_many_fields", message), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else "invalid"
    details = exc.detail if isinstance(exc.detail, list | dict) else {}
    response.data = error_body(code, _message_of(exc), details)
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response.data["message"] = str(exc.detail)
    return response
