"""One-hot encode categorical columns."""

import argparse
import sys
from pathlib import Path

import pandas as pd
from pandas.api.types import is_numeric_dtype


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
    parser.add_argument("--columns", default=None)
    parser.add_argument("--exclude", default=None)
    parser.add_argument("--drop-first", default="False")
    parser.add_argument("--max-categories", type=int, default=50)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    frame = pd.read_csv(Path(args.input) / "data.csv")
    excluded = set(column_list(args.exclude, frame, "exclude_columns"))
    chosen = column_list(args.columns, frame, "columns") or [
        c for c in frame.columns if not is_numeric_dtype(frame[c])
    ]
    chosen = [c for c in chosen if c not in excluded]
    for column in chosen:
        count = frame[column].nunique(dropna=True)
        if count > args.max_categories:
            sys.exit(
                f"columns: {column!r} has {count} distinct values, more than max_categories "
                f"({args.max_categories}); exclude it or raise max_categories"
            )
    if not chosen:
        print("no categorical columns to encode; the table is unchanged")
        result = frame
    else:
        result = pd.get_dummies(
            frame, columns=chosen, drop_first=args.drop_first == "True", dtype=int
        )
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    result.to_csv(out / "data.csv", index=False)
    added = [c for c in result.columns if c not in frame.columns]
    print(f"encoded {', '.join(chosen) or 'nothing'}; new columns: {', '.join(added)}")


if __name__ == "__main__":
    main()
