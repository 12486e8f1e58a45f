"""Run submission, cancellation and rerun: the entry points the API calls."""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings as conf
from django.db import transaction

from designer.core.issues import issue
from designer.datastores.models import RunInputDigest
from designer.datastores.services import DataRefused, data_digest, data_problem
from designer.engine.models import TERMINAL, Run, Status, StepRun
from designer.engine.plan import run_plan
from designer.engine.runtime import submit_allowed
from designer.engine.scheduler import advance_locked, run_advance
from designer.engine.state import run_journal, run_transition
from designer.pipelines.documents import compute_bind, node_compute
from designer.pipelines.models import PipelineVersion
from designer.pipelines.services import document_validate
from designer.pipelines.types import type_problem
from designer.registry.services import UnknownComponent, version_by_ref
from designer.registry.types import DATA_TYPES

SETTING_TYPES = {"force_rerun": bool, "continue_on_step_failure": bool, "default_compute": str}


class RunRefused(ValueError):
    """A submission that cannot run; `errors` are {node, port, code, message} dicts."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__("; ".join(e["message"] for e in errors))


def _issue(code: str, message: str, *, node: str | None = None, port: str | None = None) -> dict:
    return issue(code, message, node=node, port=port).as_dict()


def _effective_settings(document: dict[str, Any], overrides: dict[str, Any]) -> tuple[dict, list]:
    errors = []
    base = document.get("settings") if isinstance(document.get("settings"), dict) else {}
    effective = {
        "default_compute": conf.DEFAULT_COMPUTE,
        "continue_on_step_failure": False,
        "force_rerun": False,
        **{k: v for k, v in (base or {}).items() if v is not None},
    }
    for name, value in overrides.items():
        expected = SETTING_TYPES.get(name)
        if expected is None:
            errors.append(_issue("unknown_setting", f"settings.{name}: no such run setting"))
        elif not isinstance(value, expected):
            errors.append(
                _issue("invalid_setting", f"settings.{name}: expected a {expected.__name__}")
            )
        else:
            effective[name] = value
    return effective, errors


def _effective_inputs(document: dict[str, Any], given: dict[str, Any]) -> tuple[dict, list]:
    declared = document.get("inputs") if isinstance(document.get("inputs"), dict) else {}
    errors, effective = [], {}
    for name in sorted(set(given) - set(declared or {})):
        errors.append(_issue("unknown_input", f"pipeline input '{name}' does not exist", port=name))
    for name, spec in (declared or {}).items():
        value = given.get(name, spec.get("default"))
        if value is None:
            if not spec.get("optional"):
                message = f"pipeline input '{name}' ({spec.get('type')}) is required"
                errors.append(_issue("missing_required_input", message, port=name))
            continue
        problem = type_problem(spec.get("type", ""), value)
        if problem is not None:
            message = f"pipeline input '{name}': {problem}"
            errors.append(_issue("invalid_value", message, port=name))
        effective[name] = value
    return effective, errors


def _snapshot(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    components, by_ref = {}, {}
    for node in document.get("nodes", []):
        ref = node["component"]
        if ref not in by_ref:
            version = version_by_ref(ref)
            by_ref[ref] = {"ref": version.ref, "id": version.pk, "digest": version.digest}
        components[node["id"]] = dict(by_ref[ref])
    return components


def _bound_value_issues(document: dict[str, Any], inputs: dict[str, Any]) -> list[dict]:
    """Submitted values checked against each port they are bound to (min, max, enum)."""
    probe = copy.deepcopy(document)
    for node in probe.get("nodes", []):
        bindings = node.get("inputs") or {}
        for name, binding in bindings.items():
            source = binding.get("pipeline_input") if isinstance(binding, dict) else None
            if source in inputs and _is_primitive(document, source):
                bindings[name] = {"value": inputs[source]}
    issues = document_validate(probe)
    return [issue.as_dict() for issue in issues if issue.code == "invalid_value"]


def _is_primitive(document: dict[str, Any], name: str) -> bool:
    spec = (document.get("inputs") or {}).get(name) or {}
    return spec.get("type") in ("string", "integer", "number", "boolean")


def _data_inputs(document: dict[str, Any], values: dict[str, Any]) -> dict[str, str]:
    """Pipeline input name -> its type, for the data inputs that have a value."""
    declared = document.get("inputs") if isinstance(document.get("inputs"), dict) else {}
    return {
        name: spec.get("type")
        for name, spec in (declared or {}).items()
        if name in values and spec.get("type") in DATA_TYPES
    }


def _data_issues(document: dict[str, Any], values: dict[str, Any], user: Any) -> list[dict]:
    """Data inputs the submitter may not read: server paths, other users' uploads."""
    check = data_problem(user)
    errors = []
    for name, port_type in _data_inputs(document, values).items():
        problem = check(port_type, values[name])
        if problem is not None:
            code, message = problem
            errors.append(_issue(code, f"pipeline input '{name}': {message}", port=name))
    return errors


def _data_digests(document: dict[str, Any], values: dict[str, Any], user: Any) -> dict[str, str]:
    """Reference -> content digest of every data input, streamed, refused past the limit."""
    digests: dict[str, str] = {}
    errors = []
    for name, port_type in _data_inputs(document, values).items():
        reference = values[name]
        if reference in digests:
            continue
        try:
            digests[reference] = data_digest(reference, user=user, port_type=port_type)
        except DataRefused as exc:
            errors.append(_issue(exc.code, f"pipeline input '{name}': {exc}", port=name))
    if errors:
        raise RunRefused(errors)
    return digests


def run_submit(
    *,
    pipeline_version: PipelineVersion,
    user: Any,
    inputs: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    rerun_of: Run | None = None,
) -> Run:
    """Validate, snapshot and start a run; raises RunRefused with every problem.

    pipeline_version: what to run. user: the submitter. inputs: pipeline input values.
    settings: overrides of force_rerun, continue_on_step_failure, default_compute.
    rerun_of: the run this one repeats, if any.
    """
    refusal = submit_allowed(user)
    if refusal is not None:
        raise RunRefused([_issue("sandbox_unavailable", refusal)])
    document = copy.deepcopy(pipeline_version.document)
    if not isinstance(document, dict):
        raise RunRefused([_issue("invalid_document", "the pipeline document is not an object")])
    effective, errors = _effective_settings(document, settings or {})
    document.setdefault("settings", {})
    document["settings"] = {**(document.get("settings") or {}), **effective}
    values, input_errors = _effective_inputs(document, inputs or {})
    errors += input_errors
    # `compute: ${{parent.inputs.x}}`: the pool is this run's value of x.
    compute_bind(document, values, getattr(conf, "CONVEYOR_COMPUTE_MAP", {}))
    errors += [issue.as_dict() for issue in document_validate(document)]
    if not errors and values:
        errors += _bound_value_issues(document, values)
    if not errors:
        errors += _data_issues(document, values, user)
    if errors:
        raise RunRefused(errors)
    # Long I/O, so before (never inside) the transaction that creates the run.
    digests = _data_digests(document, values, user)
    try:
        components = _snapshot(document)
    except UnknownComponent as exc:
        raise RunRefused([_issue("unknown_component", str(exc))]) from None
    run = _create(
        pipeline_version, user, document, components, values, settings or {}, rerun_of, digests
    )
    run.refresh_from_db()
    return run


def _create(
    version: PipelineVersion,
    user: Any,
    document: dict[str, Any],
    components: dict[str, dict[str, Any]],
    inputs: dict[str, Any],
    overrides: dict[str, Any],
    rerun_of: Run | None,
    digests: dict[str, str],
) -> Run:
    with transaction.atomic():
        run = Run.objects.create(
            pipeline_id=version.pipeline_id,
            pipeline_version=version,
            user=user,
            inputs=inputs,
            overrides=overrides,
            settings=document["settings"],
            document=document,
            components=components,
            rerun_of=rerun_of,
        )
        RunInputDigest.objects.bulk_create(
            RunInputDigest(run=run, reference=reference, sha256=sha256)
            for reference, sha256 in digests.items()
        )
        StepRun.objects.bulk_create(
            StepRun(
                run=run,
                node_id=node["id"],
                component_version_id=components[node["id"]]["id"],
                queue=node_compute(document, node),
            )
            for node in document.get("nodes", [])
        )
        run_plan(run.pk, run.created_at, run=run)  # Cached for the advance and the workers.
        with run_journal(run.pk) as journal:
            run_transition(journal, run, from_=Status.NOT_STARTED, to=Status.QUEUED)
            # Same transaction: a fully reusable run is Completed when submit returns.
            advance_locked(journal)
    return run


def run_cancel(*, run: Run) -> Run:
    """Cancel a run: queued steps never start, running ones are stopped (SIGTERM, SIGKILL)."""
    if run.status not in TERMINAL:
        Run.objects.filter(pk=run.pk).update(cancel_requested=True)
        run_advance(run_id=run.pk)
    run.refresh_from_db()
    return run


def run_rerun(*, run: Run, user: Any) -> Run:
    """A new run of the same pipeline version with the same inputs and setting overrides."""
    return run_submit(
        pipeline_version=run.pipeline_version,
        user=user,
        inputs=run.inputs,
        settings=run.overrides,
        rerun_of=run,
    )
