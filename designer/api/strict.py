"""Input strictness shared by every write serializer of the API (docs/security.md)."""

from __future__ import annotations

import difflib
from typing import Any

from rest_framework import serializers


class StrictFields(serializers.Serializer):
    """A serializer that refuses top-level fields it does not declare.

    A misspelled field (`documnet`, `inputz`) would otherwise be dropped silently and the
    request would succeed with defaults; here it is a 400 naming the field.
    """

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "keys"):
            writable = [name for name, field in self.fields.items() if not field.read_only]
            unknown = sorted(str(key) for key in data if key not in writable)
            if unknown:
                raise serializers.ValidationError(
                    {key: [_unknown_message(key, writable)] for key in unknown}
                )
        return super().to_internal_value(data)


def _unknown_message(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else f" Known fields: {', '.join(known)}."
    return f"Unknown field {key!r}.{hint}"


def refuse_body(request: Any) -> None:
    """For actions that take no fields (cancel, rerun, sign out): any field is unknown."""
    data = request.data
    unknown = sorted(str(key) for key in data) if hasattr(data, "keys") else []
    if unknown:
        raise serializers.ValidationError(
            {key: [f"Unknown field {key!r}: this action takes no fields."] for key in unknown}
        )
