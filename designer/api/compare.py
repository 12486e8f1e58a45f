"""Runs side by side: inputs and settings, per-step facts, metrics and images, by node and port.

Reads only what the runs recorded plus each output's metrics.json and file list, so comparing
costs a bounded number of small reads: at most ``COMPARE_MAX`` runs, metrics files of at most
1 MiB (previews.read_metrics) and file lists capped by previews.list_files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

from designer.api import previews
from designer.api.run_serializers import RunSummarySerializer
from designer.engine.artifacts import UnsafePathError, safe_resolve
from designer.engine.models import Run, StepRun

COMPARE_MAX = 10
METRICS_MAX_RUNS = 100


def output_folder(output: dict[str, Any]) -> Path | None:
    """An output's folder or file inside the artifact store, or None when unreadable or gone."""
    try:
        path = safe_resolve(Path(settings.ARTIFACTS_DIR), str(output.get("path", "")))
    except UnsafePathError:
        return None
    return path if path.exists() else None


def output_metrics(output: dict[str, Any]) -> dict[str, Any]:
    """The flattened metrics.json of one output ({} when it has none)."""
    root = output_folder(output)
    if root is None:
        return {}
    candidate = root / "metrics.json" if root.is_dir() else root
    if candidate.name != "metrics.json" or not candidate.is_file() or candidate.is_symlink():
        return {}
    try:
        return previews.read_metrics(candidate) or {}
    except (OSError, ValueError):
        return {}


def step_metrics(step: StepRun) -> dict[str, Any]:
    """Every metric of a step's outputs, keyed "node.port/metric"."""
    found: dict[str, Any] = {}
    for port, output in sorted((step.outputs or {}).items()):
        for name, value in output_metrics(output).items():
            found[f"{step.node_id}.{port}/{name}"] = value
    return found


def run_metrics(run: Run) -> dict[str, Any]:
    """Every metric of a run's outputs, keyed "node.port/metric"."""
    found: dict[str, Any] = {}
    for step in run.steps.order_by("node_id"):
        found.update(step_metrics(step))
    return found


def output_images(output: dict[str, Any]) -> list[str]:
    root = output_folder(output)
    if root is None:
        return []
    if root.is_file():
        return [root.name] if previews.content_type(root) else []
    return previews.image_files(previews.list_files(root))


def step_facts(step: StepRun) -> dict[str, Any]:
    duration = None
    if step.started_at and step.ended_at:
        duration = int((step.ended_at - step.started_at).total_seconds() * 1000)
    return {
        "status": step.status,
        "reused": step.reused,
        "reason": step.reason,
        "duration_ms": duration,
        "cache_key": step.cache_key,
    }


def compare_runs(runs: list[Run]) -> dict[str, Any]:
    """The comparison of `runs` (in the given order; the first is the baseline)."""
    steps_by_run = [{s.node_id: s for s in run.steps.all()} for run in runs]
    nodes = sorted({node for steps in steps_by_run for node in steps})
    steps = []
    images: dict[tuple[str, str, str], list[bool]] = {}
    metrics: dict[str, list[Any]] = {}
    for node in nodes:
        facts = [step_facts(s[node]) if node in s else None for s in steps_by_run]
        keys = {f["cache_key"] for f in facts if f is not None and f["cache_key"]}
        steps.append({"node": node, "runs": facts, "cache_differs": len(keys) > 1})
    for index, by_node in enumerate(steps_by_run):
        for node, step in sorted(by_node.items()):
            for key, value in step_metrics(step).items():
                metrics.setdefault(key, [None] * len(runs))[index] = value
            for port, output in sorted((step.outputs or {}).items()):
                for path in output_images(output):
                    images.setdefault((node, port, path), [False] * len(runs))[index] = True
    return {
        "runs": RunSummarySerializer(runs, many=True).data,
        "document": runs[0].document,
        "steps": steps,
        "metrics": [{"key": key, "values": values} for key, values in sorted(metrics.items())],
        "images": [
            {"node": node, "port": port, "path": path, "runs": present}
            for (node, port, path), present in sorted(images.items())
        ],
    }
