"""The API's JSON parser: DRF's, with a nesting limit, so deep JSON is a 400 and not a 500."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from designer.core.jsonsafe import MAX_DEPTH, JsonLimitError, json_loads


class JSONParser(parsers.JSONParser):
    """Parses JSON request bodies, refusing nesting deeper than `MAX_JSON_DEPTH`."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
            return json_loads(text, max_depth=getattr(settings, "MAX_JSON_DEPTH", MAX_DEPTH))
        except JsonLimitError as exc:
            raise ParseError(f"JSON parse error - {exc}.") from None
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
