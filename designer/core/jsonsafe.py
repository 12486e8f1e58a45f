"""JSON from users, parsed with a depth limit (pure): deep nesting is a clear error, not a 500."""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64


class JsonLimitError(ValueError):
    """The JSON text nests deeper than the limit."""


def json_loads(data: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON text, refusing arrays and objects nested deeper than `max_depth`.

    data: the text (bytes are decoded as UTF-8).
    Raises JsonLimitError past the depth, ValueError (json.JSONDecodeError) if malformed.
    """
    try:
        value = json.loads(data)
    except RecursionError:
        # The C parser stops at Python's recursion limit (about 1,000 levels) by raising
        # RecursionError, which callers expecting ValueError turned into a 500.
        raise JsonLimitError(f"JSON nests deeper than {max_depth} levels") from None
    if depth_exceeds(value, max_depth):
        raise JsonLimitError(f"JSON nests deeper than {max_depth} levels")
    return value


def depth_exceeds(value: Any, limit: int) -> bool:
    """Whether lists and dicts nest deeper than `limit` in `value` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if not isinstance(item, dict | list):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
