"""Join two tables on key columns."""

import argparse
import sys
from pathlib import Path

import pandas as pd


def key_list(text: str, frame: pd.DataFrame, input_name: str, side: str) -> list[str]:
    names = [c.strip() for c in text.split(",") if c.strip()]
    if not names:
        sys.exit(f"{input_name} is empty: give comma-separated key columns")
    missing = [c for c in names if c not in frame.columns]
    if missing:
        sys.exit(
            f"{input_name}: the {side} table has no column(s) {missing}; "
            f"it has {list(frame.columns)}"
        )
    return names


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--left", required=True)
    parser.add_argument("--right", required=True)
    parser.add_argument("--keys", required=True)
    parser.add_argument("--right-keys", default=None)
    parser.add_argument("--how", default="inner", choices=["inner", "left", "right", "outer"])
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    left = pd.read_csv(Path(args.left) / "data.csv")
    right = pd.read_csv(Path(args.right) / "data.csv")
    left_keys = key_list(args.keys, left, "keys", "left")
    if args.right_keys:
        right_keys = key_list(args.right_keys, right, "right_keys", "right")
    else:
        right_keys = key_list(args.keys, right, "keys", "right")
    if len(left_keys) != len(right_keys):
        sys.exit(f"right_keys: {len(right_keys)} columns, but keys has {len(left_keys)}")
    for lk, rk in zip(left_keys, right_keys, strict=True):
        if left[lk].dtype.kind in "iuf" and right[rk].dtype.kind not in "iuf":
            right[rk] = pd.to_numeric(right[rk], errors="coerce")
        elif left[lk].dtype.kind not in "iuf" and right[rk].dtype.kind in "iuf":
            left[lk] = pd.to_numeric(left[lk], errors="coerce")
    merged = left.merge(
        right, how=args.how, left_on=left_keys, right_on=right_keys, suffixes=("", "_right")
    )
    # With differently named keys both copies are kept; drop the right one when identical.
    for lk, rk in zip(left_keys, right_keys, strict=True):
        if lk != rk and rk in merged.columns and args.how == "inner":
            merged = merged.drop(columns=[rk])
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    merged.to_csv(out / "data.csv", index=False)
    print(f"{args.how} join: {len(left)} x {len(right)} rows -> {len(merged)} rows")


if __name__ == "__main__":
    main()
