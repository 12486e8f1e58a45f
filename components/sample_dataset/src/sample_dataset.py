"""Write one of scikit-learn's bundled datasets as a Conveyor table (nothing downloads)."""

import argparse
import re
import sys
from pathlib import Path

import pandas as pd
from sklearn import datasets

LOADERS = {
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
    "diabetes": datasets.load_diabetes,
    "digits": datasets.load_digits,
}
CLASSIFICATION = {"iris", "wine", "breast_cancer", "digits"}


def snake_case(name: str) -> str:
    """`sepal length (cm)` -> `sepal_length_cm`."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).lower()).strip("_")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--label-names", default="True")
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    if args.dataset not in LOADERS:
        sys.exit(f"dataset {args.dataset!r} is not one of {sorted(LOADERS)}")
    bunch = LOADERS[args.dataset](as_frame=True)
    features = bunch.data.rename(columns=snake_case)
    target = pd.Series(bunch.target, name="target")
    use_names = args.label_names == "True" and args.dataset in CLASSIFICATION
    if use_names and args.dataset != "digits":
        target = target.map(lambda t: str(bunch.target_names[int(t)]))
    frame = pd.concat([features, target], axis=1)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out / "data.csv", index=False)
    task = "classification" if args.dataset in CLASSIFICATION else "regression"
    print(f"{args.dataset} ({task}): {len(frame)} rows, {len(frame.columns) - 1} features")
    print("columns:", ", ".join(frame.columns))


if __name__ == "__main__":
    main()
