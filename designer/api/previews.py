"""Previews of step outputs: table heads, images, metrics cards, or just a file's facts.

Reads only the head of a file (tables: the first block, metrics: the first MiB) so a huge
artifact costs no more than a small one. Paths come from the caller, already resolved
inside the artifact store.
"""

from __future__ import annotations

import datetime
import json
import math
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from designer.api.table_stats import STATS_ROWS, column_stats

PREVIEW_ROWS = 50
LIST_LIMIT = 200
METRICS_MAX_BYTES = 1024 * 1024
METRICS_MAX_KEYS = 100
TABLE_BLOCK = 1024 * 1024
# Statistics read at most this many blocks (and STATS_ROWS rows) from the head of a table.
STATS_BLOCKS = 8
IMAGES_LIMIT = 24
MODEL_MAX_BYTES = 1024 * 1024

TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t", ".parquet": ""}
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
SVG_TYPE = "image/svg+xml"
MAIN_NAMES = ("data.csv", "data.tsv", "data.parquet", "metrics.json", "model.json")
MAIN_SUFFIXES = (".csv", ".tsv", ".parquet", ".png", ".jpg", ".jpeg", ".svg")


def list_files(root: Path) -> list[dict[str, Any]]:
    """Regular files under a folder output (never following symlinks), sorted, capped."""
    found: list[dict[str, Any]] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            relative = path.relative_to(root).as_posix()
            found.append({"path": relative, "size": path.stat().st_size})
            if len(found) >= LIST_LIMIT:
                return found
    return found


def main_file(files: list[dict[str, Any]]) -> str | None:
    """The file worth previewing in a folder: data.csv, metrics.json, a table or an image."""
    names = [item["path"] for item in files]
    for wanted in MAIN_NAMES:
        for name in names:
            if name == wanted or name.endswith("/" + wanted):
                return name
    for suffix in MAIN_SUFFIXES:
        for name in names:
            if name.lower().endswith(suffix):
                return name
    return names[0] if len(names) == 1 else None


def image_files(files: list[dict[str, Any]]) -> list[str]:
    """The images of a folder output, shown inline next to its main preview (capped)."""
    names = [item["path"] for item in files]
    return [name for name in names if content_type(Path(name)) is not None][:IMAGES_LIMIT]


def content_type(path: Path) -> str | None:
    """The image content type a browser may render inline, else None."""
    suffix = path.suffix.lower()
    if suffix == ".svg":
        return SVG_TYPE
    return IMAGE_TYPES.get(suffix)


def preview_file(path: Path) -> dict[str, Any]:
    """The preview of one file: table, image, metrics, or other (name and size only)."""
    suffix = path.suffix.lower()
    try:
        if suffix in TABLE_SUFFIXES:
            return {"kind": "table", **read_table(path, suffix)}
        if content_type(path) is not None:
            return {"kind": "image", "content_type": content_type(path)}
        if path.name == "model.json":
            return {"kind": "model", "model": read_model(path)}
        if suffix == ".json":
            metrics = read_metrics(path)
            if metrics is not None:
                return {"kind": "metrics", "metrics": metrics}
    except Exception as exc:  # a malformed artifact is shown as a file, with the reason
        return {"kind": "other", "error": f"no preview: {type(exc).__name__}: {exc}"[:300]}
    return {"kind": "other"}


def read_table(path: Path, suffix: str) -> dict[str, Any]:
    """The first rows, the column names and their types of a CSV, TSV or Parquet file."""
    import pyarrow as pa

    total: int | None = None
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(path)
        total = parquet.metadata.num_rows
        batches = iter(parquet.iter_batches(batch_size=STATS_ROWS))
        schema = parquet.schema_arrow
    else:
        from pyarrow import csv

        reader = csv.open_csv(
            path,
            read_options=csv.ReadOptions(block_size=TABLE_BLOCK),
            parse_options=csv.ParseOptions(delimiter=TABLE_SUFFIXES[suffix]),
        )
        schema = reader.schema
        batches = iter(reader)
    sample, more = head_batches(batches)
    table = pa.Table.from_batches(sample, schema=schema).slice(0, STATS_ROWS)
    if total is None and not more:
        total = table.num_rows
    head = table.slice(0, PREVIEW_ROWS)
    columns = [{"name": field.name, "dtype": str(field.type)} for field in schema]
    rows = [[json_safe(value) for value in row.values()] for row in head.to_pylist()]
    stats = column_stats(table, sampled=more or (total is not None and total > table.num_rows))
    return {"columns": columns, "rows": rows, "total_rows": total, "stats": stats}


def head_batches(batches: Any) -> tuple[list[Any], bool]:
    """Record batches from the head until STATS_ROWS rows or STATS_BLOCKS blocks; more left?"""
    taken: list[Any] = []
    rows = 0
    for batch in batches:
        taken.append(batch)
        rows += batch.num_rows
        if rows >= STATS_ROWS or len(taken) >= STATS_BLOCKS:
            return taken, next(batches, None) is not None or rows > STATS_ROWS
    return taken, False


def read_model(path: Path) -> dict[str, Any]:
    """A trained model's description (model.json: features, target, parameters), capped."""
    if path.stat().st_size > MODEL_MAX_BYTES:
        raise ValueError("model.json is larger than 1 MiB")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("model.json is not an object")
    return {str(key): json_safe(value) for key, value in list(data.items())[:50]}


def json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value[:64].hex()
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value[:20]]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in list(value.items())[:20]}
    return str(value)


def read_metrics(path: Path) -> dict[str, Any] | None:
    """A JSON object of numbers and short strings as flat ``{"a.b": value}`` cards, else None."""
    if path.stat().st_size > METRICS_MAX_BYTES:
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        return None
    flat: dict[str, Any] = {}
    _flatten(data, "", flat)
    return flat or None


def _flatten(data: dict[str, Any], prefix: str, into: dict[str, Any]) -> None:
    for key, value in data.items():
        if len(into) >= METRICS_MAX_KEYS:
            return
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, name + ".", into)
        elif isinstance(value, bool | int | float) or value is None:
            into[name] = json_safe(value)
        elif isinstance(value, str) and len(value) <= 200:
            into[name] = value
