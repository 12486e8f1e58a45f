"""Train a regressor and save it in Conveyor's model folder format."""

import argparse
from typing import Any

from learners import REGRESSORS, make_model, read_table, save_model, split_features


def parameters(args: argparse.Namespace) -> dict[str, Any]:
    depth = {"max_depth": args.max_depth} if args.max_depth else {}
    trees = {"n_estimators": args.n_estimators}
    return {
        "linear": {},
        "ridge": {"alpha": args.alpha},
        "random_forest": {**trees, **depth},
        "gradient_boosting": {**trees, "learning_rate": args.learning_rate, **depth},
    }[args.algorithm]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--features", default=None)
    parser.add_argument("--algorithm", required=True, choices=REGRESSORS)
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--n-estimators", type=int, default=100)
    parser.add_argument("--max-depth", type=int, default=None)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", required=True)
    args = parser.parse_args()
    frame = read_table(args.data, "training_data")
    features, label = split_features(frame, args.target, args.features, "regression")
    model = make_model("regression", args.algorithm, args.seed, parameters(args))
    model.fit(features, label)
    info = save_model(
        args.model,
        model,
        task="regression",
        algorithm=args.algorithm,
        features=features,
        label=label,
    )
    print(
        f"trained {args.algorithm} on {len(frame)} rows, {len(info['features'])} features; "
        f"training R2 {info['training_r2']:.3f}"
    )


if __name__ == "__main__":
    main()
