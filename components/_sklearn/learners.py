"""Shared training helpers for Conveyor's built-in training components.

train_classifier@2, train_regressor@1 and tune_hyperparameters@1 share this code folder
(their specs say `code: ../_sklearn`), so this module exists once.

Model folder format ("conveyor-sklearn/1"):
  model.pkl   joblib dump of a fitted scikit-learn estimator or Pipeline (only scikit-learn
              classes, so any step with scikit-learn can load it)
  model.json  {"format", "task", "algorithm", "features", "target", "classes"
              (classification), "parameters", "standardized", "training_rows", ...}
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from sklearn.base import BaseEstimator
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

FORMAT = "conveyor-sklearn/1"
CLASSIFIERS = ("logistic_regression", "random_forest", "gradient_boosting", "svm", "knn")
REGRESSORS = ("linear", "ridge", "random_forest", "gradient_boosting")
# Distance- and penalty-based models are fitted on standardized features.
STANDARDIZED = {"logistic_regression", "svm", "knn", "ridge"}


def base_estimator(task: str, algorithm: str, seed: int) -> BaseEstimator:
    """The bare (unfitted, default) scikit-learn estimator for a task and algorithm."""
    if task == "classification":
        factories: dict[str, Any] = {
            "logistic_regression": lambda: LogisticRegression(max_iter=1000, random_state=seed),
            "random_forest": lambda: RandomForestClassifier(random_state=seed),
            "gradient_boosting": lambda: GradientBoostingClassifier(random_state=seed),
            "svm": lambda: SVC(probability=True, random_state=seed),
            "knn": lambda: KNeighborsClassifier(),
        }
    else:
        factories = {
            "linear": lambda: LinearRegression(),
            "ridge": lambda: Ridge(random_state=seed),
            "random_forest": lambda: RandomForestRegressor(random_state=seed),
            "gradient_boosting": lambda: GradientBoostingRegressor(random_state=seed),
        }
    if algorithm not in factories:
        sys.exit(f"algorithm {algorithm!r} is not one of {sorted(factories)} for {task}")
    return factories[algorithm]()


def make_model(task: str, algorithm: str, seed: int, params: dict[str, Any]) -> BaseEstimator:
    """The estimator with `params` set, wrapped with a StandardScaler where it helps.

    params: estimator parameter -> value (scikit-learn names, e.g. C, n_estimators).
    """
    estimator = base_estimator(task, algorithm, seed)
    valid = estimator.get_params()
    unknown = sorted(set(params) - set(valid))
    if unknown:
        sys.exit(f"{algorithm} has no parameter(s) {unknown}; valid: {', '.join(sorted(valid))}")
    estimator.set_params(**params)
    if algorithm in STANDARDIZED:
        return Pipeline([("scale", StandardScaler()), ("model", estimator)])
    return estimator


def final_estimator(model: BaseEstimator) -> BaseEstimator:
    return model.steps[-1][1] if isinstance(model, Pipeline) else model


def read_table(folder: str, input_name: str) -> pd.DataFrame:
    path = Path(folder) / "data.csv"
    if not path.is_file():
        sys.exit(f"{input_name}: {folder} holds no data.csv; connect a table output")
    frame = pd.read_csv(path)
    if frame.empty:
        sys.exit(f"{input_name}: the table has no rows")
    return frame


def split_features(
    frame: pd.DataFrame, target: str, feature_text: str | None, task: str
) -> tuple[pd.DataFrame, pd.Series]:
    """Features and label from a table, refusing what scikit-learn would fail on obscurely.

    feature_text: comma-separated feature columns, or None for every numeric column.
    """
    if target not in frame.columns:
        sys.exit(f"target_column {target!r} is not a column: {list(frame.columns)}")
    if feature_text and feature_text.strip():
        names = list(dict.fromkeys(c.strip() for c in feature_text.split(",") if c.strip()))
        missing = [c for c in names if c not in frame.columns]
        if missing:
            sys.exit(
                f"feature_columns: no column(s) {missing}; the table has {list(frame.columns)}"
            )
        if target in names:
            sys.exit(f"feature_columns must not include the target column {target!r}")
        text = [c for c in names if not is_numeric_dtype(frame[c])]
        if text:
            sys.exit(
                f"feature_columns: {text} are not numeric; encode them first "
                "(One-Hot Encode) or leave them out"
            )
    else:
        names = [c for c in frame.columns if c != target and is_numeric_dtype(frame[c])]
        ignored = [c for c in frame.columns if c != target and c not in names]
        if ignored:
            print(f"ignoring non-numeric column(s) {ignored}; one-hot encode them to use them")
        if not names:
            sys.exit("the table has no numeric feature columns to train on")
    features = frame[names].astype(float)
    holes = [c for c in names if features[c].isna().any()]
    if holes:
        sys.exit(f"feature column(s) {holes} have missing values; run Clean Missing Data first")
    label = frame[target]
    if label.isna().any():
        sys.exit(f"target_column {target!r} has {int(label.isna().sum())} missing values")
    if task == "regression" and (not is_numeric_dtype(label) or is_bool_dtype(label)):
        sys.exit(f"target_column {target!r} is not numeric, so it cannot be a regression target")
    if task == "classification" and label.nunique() < 2:
        sys.exit(f"target_column {target!r} has a single class; a classifier needs two or more")
    return features, label


def json_safe(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is None or isinstance(v, bool | int | float | str)}


def save_model(
    folder: str,
    model: BaseEstimator,
    *,
    task: str,
    algorithm: str,
    features: pd.DataFrame,
    label: pd.Series,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write model.pkl and model.json; return the description."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, out / "model.pkl")
    description: dict[str, Any] = {
        "format": FORMAT,
        "task": task,
        "algorithm": algorithm,
        "features": list(features.columns),
        "target": str(label.name),
    }
    if task == "classification":
        description["classes"] = [str(c) for c in model.classes_]
    description.update(
        {
            "parameters": json_safe(final_estimator(model).get_params()),
            "standardized": isinstance(model, Pipeline),
            "training_rows": len(features),
        }
    )
    score_name = "training_accuracy" if task == "classification" else "training_r2"
    description[score_name] = float(model.score(features, label))
    description.update(extra or {})
    (out / "model.json").write_text(json.dumps(description, indent=2))
    return description


def training_parser(algorithms: tuple[str, ...] | list[str]) -> argparse.ArgumentParser:
    """The arguments every training script takes (data, target, features, trees, seed, model)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--features", default=None)
    parser.add_argument("--algorithm", required=True, choices=algorithms)
    parser.add_argument("--n-estimators", type=int, default=100)
    parser.add_argument("--max-depth", type=int, default=None)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", required=True)
    return parser


def tree_parameters(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Hyperparameters of the tree ensembles, which classifiers and regressors share."""
    depth = {"max_depth": args.max_depth} if args.max_depth else {}
    trees = {"n_estimators": args.n_estimators}
    return {
        "random_forest": {**trees, **depth},
        "gradient_boosting": {**trees, "learning_rate": args.learning_rate, **depth},
    }
