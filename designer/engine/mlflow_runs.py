"""MLflow in steps, as Azure ML steps use it: a file tracking store per step attempt, read
back after the step into an output named `mlflow` (metrics.json, params.json, tags.json).

The store lives in the step's outputs folder (writable inside the sandbox). A step whose
environment has no mlflow writes nothing there, and then nothing changes. The folder is
checked by `ingest_output` (no links, hard links or special files) before it is read, and
every read is bounded: the step that wrote it is untrusted.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

from designer.engine.artifacts import digest_output, ingest_output

MLFLOW_OUTPUT = "mlflow"
STORE = "mlruns"
MAX_RUNS = 100
MAX_KEYS = 1000  # metrics, params or tags per run
MAX_VALUE_BYTES = 64 * 1024  # one param or tag
MAX_METRIC_BYTES = 4 * 1024 * 1024  # one metric's history file
MAX_HISTORY = 1000  # points kept per metric in metrics_history.json


def mlflow_variables(folder: Path, *, cwd: Path) -> dict[str, str]:
    """The variables that point mlflow at a file store in `folder` (the `mlflow` output).

    cwd: the step's working folder. The path is relative to it because MLflow 3 refuses a
    store whose path has a folder named `artifacts` (as Conveyor's artifact store has).
    """
    return {
        "MLFLOW_TRACKING_URI": os.path.relpath(folder / STORE, cwd),
        # MLflow 3 refuses file stores unless asked; a per-step store needs no database.
        "MLFLOW_ALLOW_FILE_STORE": "true",
    }


def mlflow_logged(folder: Path) -> bool:
    """True when the step created the store (it imported mlflow and logged something)."""
    store = folder / STORE
    return store.is_dir() and not store.is_symlink()


def mlflow_discard(folder: Path) -> None:
    """Remove an unused store folder, so that a step without mlflow leaves no trace."""
    if folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder, ignore_errors=True)


def mlflow_summarise(folder: Path) -> dict[str, Any]:
    """Write metrics.json (last values), metrics_history.json, params.json and tags.json
    at the root of `folder` from its store; return what was written.

    folder: an ingested `mlflow` output folder. Several runs (nested runs, several
    `start_run`) are told apart by prefixing keys with the run's name.
    """
    runs = _runs(folder / STORE)
    prefix = len(runs) > 1
    summary: dict[str, dict[str, Any]] = {"metrics": {}, "history": {}, "params": {}, "tags": {}}
    for name, path in runs:
        lead = f"{name}." if prefix else ""
        for key, points in _metrics(path / "metrics").items():
            summary["metrics"][lead + key] = points[-1][1]
            summary["history"][lead + key] = points[-MAX_HISTORY:]
        for key, value in _texts(path / "params").items():
            summary["params"][lead + key] = value
        for key, value in _texts(path / "tags").items():
            if not key.startswith("mlflow."):
                summary["tags"][lead + key] = value
    files = {
        "metrics.json": summary["metrics"],
        "metrics_history.json": summary["history"],
        "params.json": summary["params"],
        "tags.json": summary["tags"],
    }
    for name, data in files.items():
        target = folder / name
        target.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
        os.chmod(target, 0o444)
    return summary


def _runs(store: Path) -> list[tuple[str, Path]]:
    runs: list[tuple[str, Path]] = []
    if not store.is_dir():
        return runs
    for experiment in sorted(p for p in store.iterdir() if p.is_dir() and p.name.isdigit()):
        for run in sorted(p for p in experiment.iterdir() if (p / "meta.yaml").is_file()):
            if len(runs) >= MAX_RUNS:
                return runs
            tags = _texts(run / "tags")
            runs.append((tags.get("mlflow.runName") or run.name[:8], run))
    return runs


def _entries(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    found = sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return found[:MAX_KEYS]


def _key(folder: Path, path: Path) -> str:
    return path.relative_to(folder).as_posix()  # a key with `/` is stored as sub-folders


def _texts(folder: Path) -> dict[str, str]:
    values = {}
    for path in _entries(folder):
        with path.open("rb") as handle:
            values[_key(folder, path)] = handle.read(MAX_VALUE_BYTES).decode("utf-8", "replace")
    return values


def _metrics(folder: Path) -> dict[str, list[list[float]]]:
    """Each metric's history as [step, value] pairs, in the order logged."""
    metrics: dict[str, list[list[float]]] = {}
    for path in _entries(folder):
        with path.open("rb") as handle:
            text = handle.read(MAX_METRIC_BYTES).decode("utf-8", "replace")
        points: list[list[float]] = []
        for line in text.splitlines():
            parts = line.split()  # "<timestamp> <value> <step>"
            try:
                value = float(parts[1])
                step = int(parts[2]) if len(parts) > 2 else len(points)
            except (IndexError, ValueError):
                continue
            if math.isfinite(value):
                points.append([step, value])
        if points:
            metrics[_key(folder, path)] = points
    return metrics


def mlflow_record(folder: Path, *, owner: tuple[int, int] | None) -> dict[str, Any] | None:
    """Take a completed step's store in as the `mlflow` output; None when nothing was logged.

    owner: who the ingested files belong to (as for the step's other outputs). Raises
    UnsafeOutputError when the step left links or special files in it.
    """
    if not mlflow_logged(folder):
        mlflow_discard(folder)
        return None
    ingest_output(folder, owner=owner)  # checked before anything in it is read
    mlflow_summarise(folder)
    digest = digest_output(folder, "uri_folder")
    return {"type": "uri_folder", **digest.as_dict()}
