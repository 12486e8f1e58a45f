"""Drop rows with missing values or fill them (mean, median, mode, constant)."""

import argparse
import sys
from pathlib import Path

import pandas as pd
from pandas.api.types import is_numeric_dtype


def column_list(text: str | None, frame: pd.DataFrame, input_name: str) -> list[str] | None:
    if text is None or not text.strip():
        return None
    names = list(dict.fromkeys(c.strip() for c in text.split(",") if c.strip()))
    missing = [c for c in names if c not in frame.columns]
    if missing:
        sys.exit(f"{input_name}: no column(s) {missing}; the table has {list(frame.columns)}")
    return names


def fill_value(frame: pd.DataFrame, column: str, strategy: str, constant: str | None):
    series = frame[column]
    if strategy in ("mean", "median"):
        if not is_numeric_dtype(series):
            sys.exit(
                f"columns: {column!r} is not numeric, so it has no {strategy}; "
                "use strategy mode or constant for it"
            )
        return series.mean() if strategy == "mean" else series.median()
    if strategy == "mode":
        modes = series.mode(dropna=True)
        return modes.iloc[0] if not modes.empty else None
    if constant is None:
        sys.exit("constant_value is required when strategy is constant")
    if is_numeric_dtype(series):
        try:
            return float(constant)
        except ValueError:
            sys.exit(f"constant_value {constant!r} is not a number, but {column!r} is numeric")
    return constant


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", required=True)
    parser.add_argument("--strategy", required=True)
    parser.add_argument("--columns", default=None)
    parser.add_argument("--constant", default=None)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    frame = pd.read_csv(Path(args.input) / "data.csv")
    chosen = column_list(args.columns, frame, "columns")
    before = int(frame.isna().sum().sum())
    if args.strategy == "drop_rows":
        result = frame.dropna(subset=chosen)
        print(f"dropped {len(frame) - len(result)} of {len(frame)} rows with a missing value")
    else:
        columns = chosen
        if columns is None:
            columns = list(frame.columns)
            if args.strategy in ("mean", "median"):
                columns = [c for c in columns if is_numeric_dtype(frame[c])]
        result = frame.copy()
        for column in columns:
            if not result[column].isna().any():
                continue
            value = fill_value(frame, column, args.strategy, args.constant)
            if value is None:
                print(f"{column}: every value is missing; left as is")
                continue
            if is_numeric_dtype(result[column]) and not isinstance(value, str):
                result[column] = result[column].astype(float)
            result[column] = result[column].fillna(value)
            print(f"{column}: filled {int(frame[column].isna().sum())} with {value!r}")
    after = int(result.isna().sum().sum())
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    result.to_csv(out / "data.csv", index=False)
    print(f"missing values: {before} before, {after} after; {len(result)} rows")


if __name__ == "__main__":
    main()
