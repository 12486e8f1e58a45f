"""Split a table into train and test sets."""

import argparse
import sys
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", required=True)
    parser.add_argument("--test-fraction", type=float, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--stratify", default=None)
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    args = parser.parse_args()
    frame = pd.read_csv(Path(args.input) / "data.csv")
    if args.stratify and args.stratify not in frame.columns:
        sys.exit(f"stratify_column {args.stratify!r} is not a column: {list(frame.columns)}")
    train, test = train_test_split(
        frame,
        test_size=args.test_fraction,
        random_state=args.seed,
        stratify=frame[args.stratify] if args.stratify else None,
    )
    for folder, part in ((args.train, train), (args.test, test)):
        Path(folder).mkdir(parents=True, exist_ok=True)
        part.to_csv(Path(folder) / "data.csv", index=False)
    print(f"train: {len(train)} rows, test: {len(test)} rows")


if __name__ == "__main__":
    main()
