"""Read a CSV or Parquet file and write it as a Conveyor table (a folder with data.csv)."""

import argparse
import sys
from pathlib import Path

import pandas as pd

PARQUET_SUFFIXES = {".parquet", ".pq"}
CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}


def detect(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix in CSV_SUFFIXES:
        return "csv"
    with path.open("rb") as handle:
        head = handle.read(4)
    return "parquet" if head == b"PAR1" else "csv"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("--format", default="auto", choices=["auto", "csv", "parquet"])
    parser.add_argument("--delimiter", default=None)
    parser.add_argument("--encoding", default="utf-8")
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    source = Path(args.source)
    if source.is_dir():
        sys.exit(f"source {source} is a folder; bind a single CSV or Parquet file")
    if not source.is_file():
        sys.exit(f"source {source} does not exist")
    kind = detect(source) if args.format == "auto" else args.format
    try:
        if kind == "parquet":
            frame = pd.read_parquet(source)
        else:
            sep = args.delimiter or None
            frame = pd.read_csv(source, sep=sep, engine="python", encoding=args.encoding)
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        sys.exit(f"source {source.name} could not be read as {kind}: {exc}")
    if frame.columns.duplicated().any():
        sys.exit(f"source has duplicate column names: {list(frame.columns)}")
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out / "data.csv", index=False)
    print(f"read {kind}: {len(frame)} rows and {len(frame.columns)} columns")
    print("columns:", ", ".join(map(str, frame.columns)))


if __name__ == "__main__":
    main()
