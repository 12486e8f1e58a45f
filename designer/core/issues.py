"""The one shape of a problem found in user input: `{node, port, code, message}` (pure).

Document validation, YAML import and run submit all report problems this way, and the API
answers them in this shape (see `designer.api.errors`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One problem: the node and port it concerns (when any), a stable code and a message."""

    node: str | None
    port: str | None
    code: str
    message: str

    def as_dict(self) -> dict[str, str | None]:
        return {"node": self.node, "port": self.port, "code": self.code, "message": self.message}


def issue(code: str, message: str, *, node: str | None = None, port: str | None = None) -> Issue:
    """An Issue built by keyword (code and message first, as most call sites read)."""
    return Issue(node, port, code, message)
