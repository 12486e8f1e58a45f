"""JSON from users, parsed with a depth limit (pure): deep nesting never reaches a recursion."""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

MAX_DEPTH = 64
# A JSON string (escapes included): its brackets are text, not nesting.
_STRING_RE = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_STEPS = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _STEPS)


class JsonLimitError(ValueError):
    """The JSON text nests deeper than the limit."""


def json_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in JSON text (0 for a scalar)."""
    brackets = _STRING_RE.sub(b"", data).translate(None, _NOT_BRACKETS)
    return max(accumulate(_STEPS[b] for b in brackets), default=0)


def json_loads(data: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON text, refusing nesting deeper than `max_depth`.

    data: the text (bytes are decoded as UTF-8).
    Raises JsonLimitError past the depth, ValueError (json.JSONDecodeError) if malformed.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if json_depth(raw) > max_depth:
        raise JsonLimitError(f"JSON nests deeper than {max_depth} levels")
    return json.loads(raw)
