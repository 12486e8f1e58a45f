"""Run a user's Python script on input tables (the user's own code, in this step's process).

The script runs with exec() in this subprocess, which is the step's isolation boundary
like any other component: a fresh working folder, a clean allow-listed environment,
the step's timeout and cancellation. It is not sandboxed beyond that.
"""

import argparse
import sys
import traceback
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd

SCRIPT_NAME = "<script>"


def read_input(folder: str | None, input_name: str) -> pd.DataFrame | None:
    if folder is None:
        return None
    path = Path(folder) / "data.csv"
    if not path.is_file():
        sys.exit(f"{input_name}: {folder} holds no data.csv; connect a table output")
    return pd.read_csv(path)


def as_frame(value: object) -> pd.DataFrame:
    if isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, pd.Series):
        return value.to_frame()
    if isinstance(value, dict | list):
        try:
            return pd.DataFrame(value)
        except ValueError as exc:
            sys.exit(f"script: `output` could not be made into a DataFrame: {exc}")
    sys.exit(f"script: `output` must be a pandas DataFrame, not {type(value).__name__}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--input1", default=None)
    parser.add_argument("--input2", default=None)
    parser.add_argument("--script", required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    try:
        code = compile(args.script, SCRIPT_NAME, "exec")
    except SyntaxError as exc:
        sys.exit(f"script: syntax error on line {exc.lineno}: {exc.msg}")
    namespace = {
        "__name__": "__main__",
        "input1": read_input(args.input1, "input1"),
        "input2": read_input(args.input2, "input2"),
        "pd": pd,
        "np": np,
        "output_folder": out,
    }
    try:
        exec(code, namespace)  # the user's own code; see the module doc
    except SystemExit:
        raise
    except BaseException as exc:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == SCRIPT_NAME]
        where = f" on line {frames[-1].lineno}" if frames else ""
        traceback.print_exception(exc)
        sys.exit(f"script: {type(exc).__name__}{where}: {exc}")
    if "output" not in namespace:
        sys.exit("script: it must set `output` to a pandas DataFrame")
    frame = as_frame(namespace["output"])
    frame.to_csv(out / "data.csv", index=False)
    print(f"output: {len(frame)} rows, columns: {', '.join(map(str, frame.columns))}")


if __name__ == "__main__":
    main()
