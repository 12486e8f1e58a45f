"""Per-column statistics of a table output, like Azure ML's "Visualize", on a bounded sample.

Computed on at most ``STATS_ROWS`` rows read from the head of the file, so a huge artifact
costs no more than a small one; the answer says how many rows were used.
"""

from __future__ import annotations

import math
from typing import Any

STATS_ROWS = 10_000
TOP_VALUES = 5
BINS = 10


def column_stats(table: Any, *, sampled: bool) -> dict[str, Any]:
    """Statistics of every column of a pyarrow Table (already capped at ``STATS_ROWS``)."""
    return {
        "rows": table.num_rows,
        "sampled": sampled,
        "columns": [
            _column(table.column_names[i], table.column(i)) for i in range(table.num_columns)
        ],
    }


def _column(name: str, column: Any) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.compute as pc

    missing = column.null_count
    stats: dict[str, Any] = {
        "name": name,
        "dtype": str(column.type),
        "count": len(column) - missing,
        "missing": missing,
        "distinct": pc.count_distinct(column, mode="only_valid").as_py(),
    }
    numeric = pa.types.is_integer(column.type) or pa.types.is_floating(column.type)
    if numeric and stats["count"]:
        values = pc.drop_null(column).cast(pa.float64()).to_numpy()
        finite = values[~_not_finite(values)]
        if len(finite):
            stats.update(
                min=float(finite.min()),
                max=float(finite.max()),
                mean=float(finite.mean()),
                histogram=_histogram(finite),
            )
    elif stats["count"] and (pa.types.is_boolean(column.type) or pa.types.is_temporal(column.type)):
        bounds = pc.min_max(column)
        stats.update(min=_plain(bounds["min"].as_py()), max=_plain(bounds["max"].as_py()))
    stats["top"] = _top(column)
    return stats


def _not_finite(values: Any) -> Any:
    import numpy as np

    return ~np.isfinite(values)


def _histogram(values: Any) -> dict[str, Any]:
    import numpy as np

    counts, edges = np.histogram(values, bins=BINS)
    return {"counts": [int(c) for c in counts], "edges": [float(e) for e in edges]}


def _top(column: Any) -> list[dict[str, Any]]:
    import pyarrow.compute as pc

    counts = pc.value_counts(pc.drop_null(column))
    pairs = sorted(
        ((item["counts"].as_py(), item["values"].as_py()) for item in counts),
        key=lambda pair: (-pair[0], str(pair[1])),
    )
    return [{"value": _plain(value), "count": count} for count, value in pairs[:TOP_VALUES]]


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value if not isinstance(value, str) else value[:200]
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return str(value)[:200]
