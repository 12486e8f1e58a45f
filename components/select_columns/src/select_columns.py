"""Keep or drop a comma-separated list of columns."""

import argparse
import sys
from pathlib import Path

import pandas as pd


def column_list(text: str, frame: pd.DataFrame, input_name: str) -> list[str]:
    names = [c.strip() for c in text.split(",") if c.strip()]
    if not names:
        sys.exit(f"{input_name} is empty: give comma-separated column names")
    missing = [c for c in names if c not in frame.columns]
    if missing:
        sys.exit(f"{input_name}: no column(s) {missing}; the table has {list(frame.columns)}")
    return list(dict.fromkeys(names))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", required=True)
    parser.add_argument("--columns", required=True)
    parser.add_argument("--mode", default="keep", choices=["keep", "drop"])
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    frame = pd.read_csv(Path(args.input) / "data.csv")
    names = column_list(args.columns, frame, "columns")
    result = frame[names] if args.mode == "keep" else frame.drop(columns=names)
    if result.columns.empty:
        sys.exit("columns: dropping them all would leave an empty table")
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    result.to_csv(out / "data.csv", index=False)
    print(f"{args.mode}: {len(result.columns)} columns left: {', '.join(result.columns)}")


if __name__ == "__main__":
    main()
