"""Train a regressor and save it in Conveyor's model folder format."""

import argparse
from typing import Any

from learners import (
    REGRESSORS,
    make_model,
    read_table,
    save_model,
    split_features,
    training_parser,
    tree_parameters,
)


def parameters(args: argparse.Namespace) -> dict[str, Any]:
    return {"linear": {}, "ridge": {"alpha": args.alpha}, **tree_parameters(args)}[args.algorithm]


def main() -> None:
    parser = training_parser(REGRESSORS)
    parser.add_argument("--alpha", type=float, default=1.0)
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
