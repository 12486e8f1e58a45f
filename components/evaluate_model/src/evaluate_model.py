"""Evaluate scored predictions: metrics.json and plots."""

import argparse
import json
import math
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype
from sklearn import metrics


def classification(frame, target, prediction, probability_columns, positive, out) -> dict:
    y_true = frame[target].astype(str)
    y_pred = frame[prediction].astype(str)
    labels = sorted(set(y_true) | set(y_pred))
    result = {
        "accuracy": metrics.accuracy_score(y_true, y_pred),
        "rows": len(frame),
    }
    for average in ("macro", "weighted"):
        p, r, f, _ = metrics.precision_recall_fscore_support(
            y_true, y_pred, average=average, zero_division=0
        )
        result.update({f"precision_{average}": p, f"recall_{average}": r, f"f1_{average}": f})
    binary = len(labels) == 2
    if positive is not None and positive not in labels:
        sys.exit(f"positive_class {positive!r} is not one of the classes {labels}")
    if binary:
        positive = positive or labels[1]
        p, r, f, _ = metrics.precision_recall_fscore_support(
            y_true, y_pred, average="binary", pos_label=positive, zero_division=0
        )
        result.update({"precision": p, "recall": r, "f1": f})
    matrix = metrics.confusion_matrix(y_true, y_pred, labels=labels)
    pd.DataFrame(matrix, index=labels, columns=labels).rename_axis("true\\predicted").to_csv(
        out / "confusion_matrix.csv"
    )
    plot_confusion(matrix, labels, out / "confusion_matrix.png")

    scores = {
        str(k): frame[v].to_numpy(dtype=float)
        for k, v in probability_columns.items()
        if v in frame.columns
    }
    present = sorted(set(y_true))
    if scores and len(present) >= 2:
        fig, ax = plt.subplots(figsize=(5.5, 5))
        if binary and positive in scores:
            y = (y_true == positive).to_numpy()
            result["roc_auc"] = metrics.roc_auc_score(y, scores[positive])
            fpr, tpr, _ = metrics.roc_curve(y, scores[positive])
            ax.plot(fpr, tpr, label=f"{positive} (AUC {result['roc_auc']:.3f})")
        elif not binary and all(c in scores for c in present):
            classes = sorted(scores)
            matrix_scores = np.column_stack([scores[c] for c in classes])
            sums = matrix_scores.sum(axis=1, keepdims=True)
            matrix_scores = matrix_scores / np.where(sums > 0, sums, 1)
            y_bin = np.column_stack([(y_true == c).to_numpy() for c in classes])
            keep = y_bin.any(axis=0)
            if keep.sum() >= 2:
                result["roc_auc_ovr"] = metrics.roc_auc_score(
                    y_bin[:, keep], matrix_scores[:, keep], average="macro"
                )
                result["roc_auc_ovr_weighted"] = metrics.roc_auc_score(
                    y_bin[:, keep], matrix_scores[:, keep], average="weighted"
                )
            for i, label in enumerate(classes):
                if keep[i]:
                    fpr, tpr, _ = metrics.roc_curve(y_bin[:, i], matrix_scores[:, i])
                    auc = metrics.auc(fpr, tpr)
                    ax.plot(fpr, tpr, label=f"{label} vs rest (AUC {auc:.3f})")
        ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1)
        ax.set_xlabel("False positive rate")
        ax.set_ylabel("True positive rate")
        ax.set_title("ROC curve")
        ax.legend(loc="lower right", fontsize="small")
        fig.tight_layout()
        fig.savefig(out / "roc_curve.png", dpi=100)
        plt.close(fig)
    else:
        print("no probability columns: ROC AUC and the ROC curve are skipped")
    return result


def plot_confusion(matrix, labels, path) -> None:
    size = max(4.0, 0.6 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("Predicted")
    ax.set_ylabel("True")
    ax.set_title("Confusion matrix")
    threshold = matrix.max() / 2 if matrix.size else 0
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            color = "white" if matrix[i, j] > threshold else "black"
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", color=color)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def regression(frame, target, prediction, out) -> dict:
    for column, name in ((target, "target_column"), (prediction, "prediction_column")):
        if not is_numeric_dtype(frame[column]):
            sys.exit(f"{name} {column!r} is not numeric, so it cannot be evaluated as regression")
    y_true = frame[target].to_numpy(dtype=float)
    y_pred = frame[prediction].to_numpy(dtype=float)
    mse = metrics.mean_squared_error(y_true, y_pred)
    result = {
        "mae": metrics.mean_absolute_error(y_true, y_pred),
        "mse": mse,
        "rmse": math.sqrt(mse),
        "r2": metrics.r2_score(y_true, y_pred) if len(frame) > 1 else float("nan"),
        "rows": len(frame),
    }
    residuals = y_true - y_pred
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.5))
    left.scatter(y_pred, residuals, s=12, alpha=0.7)
    left.axhline(0, color="grey", linestyle="--", linewidth=1)
    left.set_xlabel("Predicted")
    left.set_ylabel("Residual (true - predicted)")
    left.set_title("Residuals")
    right.hist(residuals, bins=min(30, max(5, len(residuals) // 3)))
    right.set_xlabel("Residual")
    right.set_title("Residual distribution")
    fig.tight_layout()
    fig.savefig(out / "residuals.png", dpi=100)
    plt.close(fig)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", required=True)
    parser.add_argument("--target", default=None)
    parser.add_argument("--prediction", default="prediction")
    parser.add_argument("--task", default="auto")
    parser.add_argument("--positive", default=None)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    folder = Path(args.input)
    if not (folder / "data.csv").is_file():
        sys.exit(f"scored_data: {folder} holds no data.csv; connect Score Model's output")
    frame = pd.read_csv(folder / "data.csv")
    scoring = {}
    if (folder / "scoring.json").is_file():
        scoring = json.loads((folder / "scoring.json").read_text())
    target = args.target or scoring.get("target")
    if not target:
        sys.exit("target_column is unset and scored_data has no scoring.json naming it")
    task = scoring.get("task") if args.task == "auto" else args.task
    if task not in ("classification", "regression"):
        sys.exit("task is auto but scored_data has no scoring.json; set task")
    for column, name in ((target, "target_column"), (args.prediction, "prediction_column")):
        if column not in frame.columns:
            sys.exit(f"{name} {column!r} is not a column of scored_data: {list(frame.columns)}")
    if frame[target].isna().any():
        dropped = int(frame[target].isna().sum())
        print(f"ignoring {dropped} rows without a true label")
        frame = frame[frame[target].notna()]
    if frame.empty:
        sys.exit("scored_data has no labelled rows to evaluate")
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    if task == "classification":
        probability_columns = scoring.get("probability_columns") or {}
        result = classification(
            frame, target, args.prediction, probability_columns, args.positive, out
        )
    else:
        result = regression(frame, target, args.prediction, out)
    result = {k: float(v) for k, v in result.items() if v is not None and not math.isnan(v)}
    (out / "metrics.json").write_text(json.dumps(result, indent=2, sort_keys=True))
    for name, value in sorted(result.items()):
        print(f"{name}: {value:.4f}")


if __name__ == "__main__":
    main()
