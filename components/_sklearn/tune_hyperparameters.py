"""Grid or random hyperparameter search with k-fold cross-validation."""

import argparse
import ast
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd
from learners import (
    CLASSIFIERS,
    REGRESSORS,
    base_estimator,
    make_model,
    read_table,
    save_model,
    split_features,
)
from sklearn.metrics import get_scorer, get_scorer_names
from sklearn.model_selection import GridSearchCV, KFold, RandomizedSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

MAX_COMBINATIONS = 500


def parse_grid(text: str) -> dict[str, list[Any]]:
    """A JSON object (or the same as a Python literal) of name -> list of values."""
    try:
        grid = json.loads(text)
    except json.JSONDecodeError:
        try:
            grid = ast.literal_eval(text)  # literals only: never runs code
        except (ValueError, SyntaxError) as exc:
            sys.exit(f"param_grid is neither JSON nor a literal mapping: {exc}")
    if not isinstance(grid, dict) or not grid:
        sys.exit('param_grid must be a non-empty mapping such as {"C": [0.1, 1, 10]}')
    result: dict[str, list[Any]] = {}
    for name, values in grid.items():
        if not isinstance(name, str):
            sys.exit(f"param_grid: parameter names must be strings, not {name!r}")
        values = values if isinstance(values, list | tuple) else [values]
        if not values:
            sys.exit(f"param_grid: {name!r} has no values to try")
        for value in values:
            if not (value is None or isinstance(value, bool | int | float | str)):
                sys.exit(f"param_grid: {name!r} value {value!r} is not a number, string or null")
        result[name] = list(values)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--features", default=None)
    parser.add_argument("--task", required=True, choices=["classification", "regression"])
    parser.add_argument("--algorithm", required=True)
    parser.add_argument("--param-grid", required=True)
    parser.add_argument("--search", default="grid", choices=["grid", "random"])
    parser.add_argument("--n-iter", type=int, default=10)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--scoring", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", required=True)
    parser.add_argument("--cv-results", required=True)
    args = parser.parse_args()
    allowed = CLASSIFIERS if args.task == "classification" else REGRESSORS
    if args.algorithm not in allowed:
        sys.exit(f"algorithm {args.algorithm!r} is not a {args.task} algorithm: {list(allowed)}")
    grid = parse_grid(args.param_grid)
    valid = base_estimator(args.task, args.algorithm, args.seed).get_params()
    unknown = sorted(set(grid) - set(valid))
    if unknown:
        sys.exit(
            f"param_grid: {args.algorithm} has no parameter(s) {unknown}; "
            f"valid: {', '.join(sorted(valid))}"
        )
    scoring = args.scoring or ("accuracy" if args.task == "classification" else "r2")
    if scoring not in get_scorer_names():
        sys.exit(f"scoring {scoring!r} is not a scikit-learn scorer name")
    get_scorer(scoring)

    frame = read_table(args.data, "training_data")
    features, label = split_features(frame, args.target, args.features, args.task)
    if args.task == "classification":
        label = label.astype(str)
        smallest = int(label.value_counts().min())
        if smallest < args.folds:
            sys.exit(
                f"folds ({args.folds}) exceeds the rows of the rarest class ({smallest}); "
                "lower folds"
            )
        cv: Any = StratifiedKFold(args.folds, shuffle=True, random_state=args.seed)
    else:
        if len(frame) < args.folds:
            sys.exit(f"folds ({args.folds}) exceeds the {len(frame)} rows")
        cv = KFold(args.folds, shuffle=True, random_state=args.seed)

    model = make_model(args.task, args.algorithm, args.seed, {})
    prefix = "model__" if isinstance(model, Pipeline) else ""
    search_grid = {prefix + name: values for name, values in grid.items()}
    combinations = 1
    for values in grid.values():
        combinations *= len(values)
    if args.search == "grid":
        if combinations > MAX_COMBINATIONS:
            sys.exit(
                f"param_grid has {combinations} combinations (limit {MAX_COMBINATIONS}); "
                "use search random with n_iter"
            )
        searcher: Any = GridSearchCV(
            model, search_grid, cv=cv, scoring=scoring, error_score="raise"
        )
    else:
        searcher = RandomizedSearchCV(
            model,
            search_grid,
            n_iter=min(args.n_iter, combinations),
            cv=cv,
            scoring=scoring,
            random_state=args.seed,
            error_score="raise",
        )
    try:
        searcher.fit(features, label)
    except (ValueError, TypeError) as exc:
        sys.exit(f"param_grid: a combination could not be fitted: {exc}")

    best = {name.removeprefix(prefix): value for name, value in searcher.best_params_.items()}
    results = pd.DataFrame(searcher.cv_results_)
    table = pd.DataFrame({name: results["param_" + prefix + name] for name in grid})
    table["mean_score"] = results["mean_test_score"]
    table["std_score"] = results["std_test_score"]
    table["rank"] = results["rank_test_score"]
    table["mean_fit_seconds"] = results["mean_fit_time"].round(4)
    table = table.sort_values("rank", kind="stable")
    out = Path(args.cv_results)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "data.csv", index=False)

    save_model(
        args.model,
        searcher.best_estimator_,
        task=args.task,
        algorithm=args.algorithm,
        features=features,
        label=label,
        extra={
            "tuning": {
                "search": args.search,
                "scoring": scoring,
                "folds": args.folds,
                "best_parameters": best,
                "best_cv_score": float(searcher.best_score_),
                "combinations_tried": len(table),
            }
        },
    )
    print(f"tried {len(table)} combinations with {args.folds}-fold CV ({scoring})")
    print(f"best: {best} with mean {scoring} {searcher.best_score_:.4f}")


if __name__ == "__main__":
    main()
