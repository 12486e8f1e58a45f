"""Query parameters and download names, checked the same way on every endpoint."""

from __future__ import annotations

import unicodedata

from django.utils.http import content_disposition_header
from rest_framework.request import Request

from designer.api.errors import ApiError

# Past any file size or sequence number the server holds, and still exact in JSON.
MAX_INTEGER = 2**53
MAX_PATH_CHARS = 1024
MAX_NAME_BYTES = 255  # one path component, as most file systems allow


def int_param(
    request: Request, name: str, default: int | None = None, *, maximum: int = MAX_INTEGER
) -> int | None:
    """A non-negative integer query parameter in ASCII digits, or `default` when absent.

    Raises ApiError (400, naming the parameter) for anything else, `?offset=²` included.
    """
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 20 or int(raw) > maximum:
        message = f"`{name}` must be an integer from 0 to {maximum}."
        raise ApiError(400, "invalid_parameter", message, {"field": name})
    return int(raw)


def path_param(request: Request, name: str) -> str:
    """A relative path query parameter within length limits (400 naming it otherwise)."""
    raw = request.query_params.get(name, "")
    parts = raw.split("/")
    too_long = len(raw) > MAX_PATH_CHARS or any(
        len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES for part in parts
    )
    if too_long:
        message = (
            f"`{name}` is too long: at most {MAX_PATH_CHARS} characters, "
            f"{MAX_NAME_BYTES} bytes per name."
        )
        raise ApiError(400, "invalid_parameter", message, {"field": name})
    if "\x00" in raw:
        raise ApiError(400, "invalid_parameter", f"`{name}` contains NUL.", {"field": name})
    return raw


def safe_filename(name: str, fallback: str = "download") -> str:
    """A download name without control characters (CR, LF, NUL ...) or path separators."""
    cleaned = "".join(
        "_" if ch in '/\\"' else ch
        for ch in name
        if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp")
    ).strip()
    return cleaned[:200] or fallback


def attachment(name: str) -> str:
    """A Content-Disposition value for a download: RFC 6266, `filename*` for non-ASCII."""
    return content_disposition_header(True, safe_filename(name)) or "attachment"
