"""Train a classifier and save it in Conveyor's model folder format."""

import argparse
import json
import sys
from pathlib import Path

import joblib
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression


def build(args: argparse.Namespace) -> LogisticRegression | RandomForestClassifier:
    if args.algorithm == "random_forest":
        return RandomForestClassifier(n_estimators=args.n_estimators, random_state=args.seed)
    return LogisticRegression(max_iter=args.max_iter, random_state=args.seed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--algorithm", required=True)
    parser.add_argument("--max-iter", type=int, default=500)
    parser.add_argument("--n-estimators", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", required=True)
    args = parser.parse_args()
    frame = pd.read_csv(Path(args.data) / "data.csv")
    if args.target not in frame.columns:
        sys.exit(f"target_column {args.target!r} is not a column: {list(frame.columns)}")
    features = frame.drop(columns=[args.target]).select_dtypes("number")
    if features.empty:
        sys.exit("the table has no numeric feature columns to train on")
    model = build(args).fit(features, frame[args.target])
    out = Path(args.model)
    out.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, out / "model.pkl")
    description = {
        "format": "conveyor-sklearn/1",
        "task": "classification",
        "algorithm": args.algorithm,
        "features": list(features.columns),
        "target": args.target,
        "classes": [str(c) for c in model.classes_],
        "parameters": {
            k: v
            for k, v in model.get_params().items()
            if v is None or isinstance(v, int | float | str | bool)
        },
        "training_rows": len(frame),
        "training_accuracy": float(model.score(features, frame[args.target])),
    }
    (out / "model.json").write_text(json.dumps(description, indent=2))
    accuracy = description["training_accuracy"]
    print(f"trained {args.algorithm} on {len(frame)} rows; training accuracy {accuracy:.3f}")


if __name__ == "__main__":
    main()
