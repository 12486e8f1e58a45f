"""Turn CSV text typed into a parameter into a Conveyor table."""

import argparse
import io
import sys
from pathlib import Path

import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--delimiter", default=",")
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    sep = "\t" if args.delimiter in ("\\t", "tab") else args.delimiter
    if not sep:
        sys.exit("delimiter must not be empty")
    text = args.data.strip()
    if not text:
        sys.exit("data is empty: enter a header line and at least one row of CSV text")
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, skipinitialspace=True)
    except (ValueError, pd.errors.ParserError) as exc:
        sys.exit(f"data is not valid CSV with delimiter {sep!r}: {exc}")
    if frame.columns.duplicated().any():
        sys.exit(f"data has duplicate column names: {list(frame.columns)}")
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out / "data.csv", index=False)
    print(f"{len(frame)} rows, columns: {', '.join(map(str, frame.columns))}")


if __name__ == "__main__":
    main()
