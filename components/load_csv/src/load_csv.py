"""Read a CSV file and write it as a Conveyor table (a folder with data.csv)."""

import argparse
from pathlib import Path

import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("--delimiter", default=None)
    parser.add_argument("--skip-rows", type=int, default=0)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    sep = args.delimiter if args.delimiter else None
    frame = pd.read_csv(args.source, sep=sep, engine="python", skiprows=args.skip_rows)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out / "data.csv", index=False)
    print(f"read {len(frame)} rows and {len(frame.columns)} columns: {', '.join(frame.columns)}")


if __name__ == "__main__":
    main()
