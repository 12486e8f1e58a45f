"""Train a classifier (version 2: five algorithms with their hyperparameters)."""

import argparse
from typing import Any

from learners import (
    CLASSIFIERS,
    make_model,
    read_table,
    save_model,
    split_features,
    training_parser,
    tree_parameters,
)


def parameters(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "logistic_regression": {"C": args.c, "max_iter": args.max_iter},
        **tree_parameters(args),
        "svm": {"C": args.c, "kernel": args.kernel},
        "knn": {"n_neighbors": args.n_neighbors},
    }[args.algorithm]


def main() -> None:
    parser = training_parser(CLASSIFIERS)
    parser.add_argument("--c", type=float, default=1.0)
    parser.add_argument("--max-iter", type=int, default=1000)
    parser.add_argument("--kernel", default="rbf")
    parser.add_argument("--n-neighbors", type=int, default=5)
    args = parser.parse_args()
    frame = read_table(args.data, "training_data")
    features, label = split_features(frame, args.target, args.features, "classification")
    if args.algorithm == "knn" and args.n_neighbors > len(frame):
        raise SystemExit(f"n_neighbors ({args.n_neighbors}) exceeds the {len(frame)} training rows")
    model = make_model("classification", args.algorithm, args.seed, parameters(args))
    model.fit(features, label.astype(str))
    info = save_model(
        args.model,
        model,
        task="classification",
        algorithm=args.algorithm,
        features=features,
        label=label.astype(str),
    )
    print(
        f"trained {args.algorithm} on {len(frame)} rows, {len(info['features'])} features, "
        f"classes {info['classes']}; training accuracy {info['training_accuracy']:.3f}"
    )


if __name__ == "__main__":
    main()
