"""Score a table with a Conveyor model folder."""

import argparse
import json
import sys
from pathlib import Path

import joblib
import pandas as pd
from pandas.api.types import is_numeric_dtype


def load_model(folder: Path):
    for name in ("model.pkl", "model.json"):
        if not (folder / name).is_file():
            sys.exit(f"model: {folder} holds no {name}; connect a training component's model")
    info = json.loads((folder / "model.json").read_text())
    if not str(info.get("format", "")).startswith("conveyor-sklearn/"):
        sys.exit(f"model: unknown model format {info.get('format')!r}")
    return joblib.load(folder / "model.pkl"), info


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--probabilities", default="True")
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    model, info = load_model(Path(args.model))
    path = Path(args.input) / "data.csv"
    if not path.is_file():
        sys.exit(f"input_data: {args.input} holds no data.csv; connect a table output")
    frame = pd.read_csv(path)
    features = info["features"]
    missing = [c for c in features if c not in frame.columns]
    if missing:
        sys.exit(f"input_data lacks the model's feature column(s) {missing}")
    text = [c for c in features if not is_numeric_dtype(frame[c])]
    if text:
        sys.exit(f"input_data: feature column(s) {text} are not numeric")
    holes = [c for c in features if frame[c].isna().any()]
    if holes:
        sys.exit(f"input_data: feature column(s) {holes} have missing values; clean them first")
    x = frame[features].astype(float)
    scored = frame.copy()
    scored["prediction"] = model.predict(x)
    probability_columns: dict[str, str] = {}
    classification = info.get("task") == "classification"
    if classification and args.probabilities == "True" and hasattr(model, "predict_proba"):
        probabilities = model.predict_proba(x)
        for index, label in enumerate(model.classes_):
            column = f"probability_{label}"
            scored[column] = probabilities[:, index].round(6)
            probability_columns[str(label)] = column
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    scored.to_csv(out / "data.csv", index=False)
    scoring = {
        "task": info.get("task"),
        "target": info.get("target"),
        "prediction_column": "prediction",
        "probability_columns": probability_columns,
        "classes": info.get("classes"),
        "algorithm": info.get("algorithm"),
    }
    (out / "scoring.json").write_text(json.dumps(scoring, indent=2))
    print(f"scored {len(scored)} rows with {info.get('algorithm')} ({info.get('task')})")


if __name__ == "__main__":
    main()
