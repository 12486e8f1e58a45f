"""One error shape for the whole API: {"code", "message", "details"}."""

from __future__ import annotations

from collections.abc import Callable
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

from designer.datastores.datasets import DatasetError
from designer.datastores.services import DataRefused, DatastoreInvalid
from designer.engine.idempotency import KeyInvalid, KeyReused
from designer.engine.submit import RunRefused
from designer.environments.services import EnvironmentConflict, EnvironmentDenied
from designer.environments.spec import EnvironmentProblem
from designer.pipelines.azureml_common import YamlImportError
from designer.pipelines.services import PipelineNameTaken
from designer.pipelines.yaml_services import ImportForbidden
from designer.registry.policies import PublishForbidden
from designer.registry.services import UnknownComponent, VersionConflict
from designer.registry.store import ArchiveError, CodeFolderError
from designer.registry.types import SpecError


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


# A domain error's answer: status, code, message and details.
Answer = tuple[int, str, str, dict[str, Any]]
IDEMPOTENCY_HEADER: dict[str, Any] = {"header": "Idempotency-Key"}


def _run_refused(exc: RunRefused) -> Answer:
    return 400, "invalid_run", "The run cannot start; see details.", {"errors": exc.errors}


def _key_invalid(exc: KeyInvalid) -> Answer:
    return 400, "invalid_idempotency_key", str(exc), {**IDEMPOTENCY_HEADER}  # a copy per answer


def _key_reused(exc: KeyReused) -> Answer:
    message = "This Idempotency-Key was already used for a different request."
    return 422, "idempotency_key_reused", message, {**IDEMPOTENCY_HEADER, "run": exc.run.pk}


def _name_taken(exc: PipelineNameTaken) -> Answer:
    return 409, "name_taken", str(exc), {"name": exc.name}


def _spec_error(exc: SpecError) -> Answer:
    listed = "; ".join(f"{p.field}: {p.message}" for p in exc.problems)
    message = f"The component spec is invalid: {listed}"
    return 400, "invalid_component", message, {"problems": [p.as_dict() for p in exc.problems]}


def _publish_forbidden(exc: PublishForbidden) -> Answer:
    return 403, "permission_denied", str(exc), {"name": exc.name, "owner": exc.owner}


def _version_conflict(exc: VersionConflict) -> Answer:
    return 409, "version_immutable", str(exc), {"ref": exc.ref}


def _datastore_invalid(exc: DatastoreInvalid) -> Answer:
    return 400, "invalid_datastore", str(exc), {"field": exc.field}


def _data_refused(exc: DataRefused) -> Answer:
    # Browsing is the one view that lets it through: its `path` parameter names the data.
    status_code = 404 if exc.code == "path_not_found" else 400
    return status_code, exc.code, str(exc), {"field": "path"}


def _yaml_refused(exc: YamlImportError) -> Answer:
    errors = [issue.as_dict() for issue in exc.issues]
    message = "The pipeline YAML cannot be imported: " + exc.issues[0].message
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more; see details)"
    return 400, "invalid_pipeline_yaml", message, {"errors": errors}


def _plain(status_code: int, code: str) -> Callable[[Exception], Answer]:
    """An answer whose message is the error's own and which has no details."""
    return lambda exc: (status_code, code, str(exc), {})


# Every domain error a view lets through, and its answer. A subclass takes its nearest
# mapped ancestor's answer. A view may name another code for one of them in `error_codes`
# (the same error means another thing there), e.g. {ArchiveError: "invalid_dataset"}.
DOMAIN_ANSWERS: dict[type[Exception], Callable[[Any], Answer]] = {
    RunRefused: _run_refused,
    KeyInvalid: _key_invalid,
    KeyReused: _key_reused,
    PipelineNameTaken: _name_taken,
    SpecError: _spec_error,
    PublishForbidden: _publish_forbidden,
    VersionConflict: _version_conflict,
    UnknownComponent: _plain(404, "not_found"),
    ArchiveError: _plain(400, "invalid_archive"),
    CodeFolderError: _plain(400, "invalid_archive"),
    DatastoreInvalid: _datastore_invalid,
    DataRefused: _data_refused,
    DatasetError: _plain(400, "invalid_dataset"),
    EnvironmentProblem: _plain(400, "invalid_environment"),
    EnvironmentDenied: _plain(403, "permission_denied"),
    EnvironmentConflict: _plain(409, "conflict"),
    YamlImportError: _yaml_refused,
    ImportForbidden: _plain(403, "permission_denied"),
}
DOMAIN_ERRORS = tuple(DOMAIN_ANSWERS)


def _domain_error(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The answer to a domain error a view lets through, else None."""
    kind = next((k for k in type(exc).__mro__ if k in DOMAIN_ANSWERS), None)
    if kind is None:
        return None
    status_code, code, message, details = DOMAIN_ANSWERS[kind](exc)
    code = getattr(context.get("view"), "error_codes", {}).get(kind, code)
    return Response(error_body(code, message, details), status=status_code)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Wrap DRF's handler so every 4xx has the same JSON shape."""
    if isinstance(exc, ApiError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    domain = _domain_error(exc, context)
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
