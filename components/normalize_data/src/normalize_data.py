"""Rescale numeric columns by z-score or min-max."""

import argparse
import json
import sys
from pathlib import Path

import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype


def column_list(text: str | None, frame: pd.DataFrame, input_name: str) -> list[str]:
    if text is None or not text.strip():
        return []
    names = list(dict.fromkeys(c.strip() for c in text.split(",") if c.strip()))
    missing = [c for c in names if c not in frame.columns]
    if missing:
        sys.exit(f"{input_name}: no column(s) {missing}; the table has {list(frame.columns)}")
    return names


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", required=True)
    parser.add_argument("--method", required=True, choices=["zscore", "minmax"])
    parser.add_argument("--columns", default=None)
    parser.add_argument("--exclude", default=None)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    frame = pd.read_csv(Path(args.input) / "data.csv")
    chosen = column_list(args.columns, frame, "columns")
    excluded = set(column_list(args.exclude, frame, "exclude_columns"))
    if chosen:
        text = [c for c in chosen if not is_numeric_dtype(frame[c]) or is_bool_dtype(frame[c])]
        if text:
            sys.exit(f"columns: {text} are not numeric and cannot be normalized")
    else:
        chosen = [
            c for c in frame.columns if is_numeric_dtype(frame[c]) and not is_bool_dtype(frame[c])
        ]
    chosen = [c for c in chosen if c not in excluded]
    if not chosen:
        sys.exit("no numeric columns to normalize (check columns and exclude_columns)")
    result = frame.copy()
    stats: dict[str, dict[str, float]] = {}
    for column in chosen:
        values = frame[column].astype(float)
        if args.method == "zscore":
            center, scale = values.mean(), values.std(ddof=0)
            stats[column] = {"mean": float(center), "std": float(scale)}
        else:
            center, high = values.min(), values.max()
            scale = high - center
            stats[column] = {"min": float(center), "max": float(high)}
        if not scale or pd.isna(scale):
            print(f"{column}: constant column, set to 0")
            result[column] = (values - center) * 0.0
        else:
            result[column] = (values - center) / scale
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    result.to_csv(out / "data.csv", index=False)
    (out / "normalization.json").write_text(
        json.dumps({"method": args.method, "columns": stats}, indent=2)
    )
    print(f"{args.method}: normalized {', '.join(chosen)}")


if __name__ == "__main__":
    main()
