"""Step cache keys and the human reason a step ran again (pure: stdlib only).

The key is the sha256 of one canonical JSON document (sorted keys, no spaces, UTF-8,
NaN refused) holding the component's identity (``name@version`` and content digest), the
rendered parameter strings, the content digests of the input artifacts and the output
settings. Two steps with the same key would do the same work, so one's outputs may stand
in for the other's, across runs and pipelines.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

KEY_VERSION = 1


@dataclass(frozen=True)
class CacheParts:
    """Everything a cache key is made of; the engine stores it per step run."""

    component_digest: str
    component_ref: str
    params: Mapping[str, str | None] = field(default_factory=dict)
    input_digests: Mapping[str, str] = field(default_factory=dict)
    output_settings: Mapping[str, Any] = field(default_factory=dict)

    def key(self) -> str:
        """The sha256 hex cache key of these parts."""
        return cache_key(
            component_digest=self.component_digest,
            component_ref=self.component_ref,
            params=self.params,
            input_digests=self.input_digests,
            output_settings=self.output_settings,
        )

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form, read back by `from_dict`."""
        return {
            "component_digest": self.component_digest,
            "component_ref": self.component_ref,
            "params": dict(self.params),
            "input_digests": dict(self.input_digests),
            "output_settings": dict(self.output_settings),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CacheParts:
        """Rebuild parts stored with `as_dict`.

        data: the stored dictionary; missing mappings read as empty.
        """
        return cls(
            component_digest=str(data["component_digest"]),
            component_ref=str(data["component_ref"]),
            params=dict(data.get("params") or {}),
            input_digests=dict(data.get("input_digests") or {}),
            output_settings=dict(data.get("output_settings") or {}),
        )


def cache_key(
    *,
    component_digest: str,
    component_ref: str,
    params: Mapping[str, str | None],
    input_digests: Mapping[str, str],
    output_settings: Mapping[str, Any],
) -> str:
    """Hash a step's identity into its cache key (sha256 hex).

    component_digest: content digest of the component's spec and code.
    component_ref: the component's `name@version`.
    params: parameter name -> rendered string (see values.render_value), None when unset.
    input_digests: data input name -> the input artifact's content digest.
    output_settings: output name -> its settings (JSON values only; anything else raises).
    """
    for name, value in params.items():
        if value is not None and not isinstance(value, str):
            raise TypeError(f"parameter {name!r}: render it to a string first, got {value!r}")
    document = {
        "v": KEY_VERSION,
        "component": {"digest": component_digest, "ref": component_ref},
        # An unset parameter renders like a missing one, so both hash the same.
        "params": {name: value for name, value in params.items() if value is not None},
        "inputs": dict(input_digests),
        "outputs": dict(output_settings),
    }
    canonical = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def explain_rerun(
    previous: CacheParts | None, current: CacheParts, *, forced: bool, deterministic: bool
) -> str:
    """Say why a step runs instead of reusing a result, e.g. "parameters lr, seed changed".

    previous: the parts of the latest run of the same node in the same pipeline, if any.
    current: this step's parts.
    forced: whether `force_rerun` is set.
    deterministic: the component's `is_deterministic`.
    Reasons are joined with "; ". When nothing differs, the earlier result could not be
    used (it failed, or its outputs are gone): "earlier result unavailable".
    """
    reasons = []
    if forced:
        reasons.append("forced")
    if not deterministic:
        reasons.append("non-deterministic")
    if previous is None:
        reasons.append("no earlier result")
    else:
        reasons.extend(_differences(previous, current))
    return "; ".join(reasons) or "earlier result unavailable"


def explain_reuse(source_run_id: object | None) -> str:
    """The reason recorded on a reused step.

    source_run_id: the run whose step's outputs are reused, or None when that run is
    another user's (its id is not theirs to learn: SECURITY.md, "Who is who").
    """
    if source_run_id is None:
        return "reused the outputs of an identical step of another user's run"
    return f"reused from run {source_run_id}"


def _differences(previous: CacheParts, current: CacheParts) -> list[str]:
    found = []
    if (previous.component_digest, previous.component_ref) != (
        current.component_digest,
        current.component_ref,
    ):
        found.append("component changed")
    params = _changed(previous.params, current.params)
    if params:
        found.append(_phrase("parameter", params))
    inputs = _changed(previous.input_digests, current.input_digests)
    if inputs:
        found.append(_phrase("input", inputs))
    outputs = _changed(previous.output_settings, current.output_settings)
    if outputs:
        found.append(_phrase("output setting", outputs))
    return found


def _changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Names added, removed or with a different value, sorted."""
    # A missing name and None are the same to a command: both mean "unset".
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )


def _phrase(noun: str, names: list[str]) -> str:
    if len(names) == 1:
        return f"{noun} {names[0]} changed"
    return f"{noun}s {', '.join(names)} changed"
