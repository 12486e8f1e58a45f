"""Compare two evaluations' metrics side by side."""

import argparse
import json
import math
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

# Counts, not scores: listed in the table but left out of the chart.
NOT_CHARTED = {"rows"}


def read_metrics(folder: str, input_name: str) -> dict[str, float]:
    path = Path(folder) / "metrics.json"
    if not path.is_file():
        sys.exit(f"{input_name}: {folder} holds no metrics.json; connect Evaluate Model's output")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        sys.exit(f"{input_name}: metrics.json is not valid JSON: {exc}")
    if not isinstance(data, dict):
        sys.exit(f"{input_name}: metrics.json must be an object of name -> number")
    return {
        str(k): float(v)
        for k, v in data.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


def label(text: str, input_name: str) -> str:
    clean = re.sub(r"[^0-9A-Za-z_.-]+", "_", text.strip()).strip("_")
    if not clean:
        sys.exit(f"{input_name} must contain a letter or digit")
    return clean


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--a", required=True)
    parser.add_argument("--b", required=True)
    parser.add_argument("--name-a", default="model_a")
    parser.add_argument("--name-b", default="model_b")
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    a, b = read_metrics(args.a, "evaluation_a"), read_metrics(args.b, "evaluation_b")
    name_a, name_b = label(args.name_a, "name_a"), label(args.name_b, "name_b")
    if name_a == name_b:
        name_b += "_2"
    names = [n for n in a if n in b] + [n for n in a if n not in b] + [n for n in b if n not in a]
    if not names:
        sys.exit("neither evaluation has any metric")
    rows = []
    for name in names:
        va, vb = a.get(name, math.nan), b.get(name, math.nan)
        rows.append({"metric": name, name_a: va, name_b: vb, "delta": vb - va})
    table = pd.DataFrame(rows)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "data.csv", index=False)
    flat: dict[str, float] = {}
    for row in rows:
        for key, prefix in ((name_a, name_a), (name_b, name_b), ("delta", "delta")):
            if not math.isnan(row[key]):
                flat[f"{prefix}.{row['metric']}"] = row[key]
    (out / "metrics.json").write_text(json.dumps(flat, indent=2))

    charted = table[~table["metric"].isin(NOT_CHARTED)]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(charted) + 2), 4.5))
    x = np.arange(len(charted))
    ax.bar(x - 0.2, charted[name_a].fillna(0), width=0.4, label=name_a)
    ax.bar(x + 0.2, charted[name_b].fillna(0), width=0.4, label=name_b)
    ax.set_xticks(x, charted["metric"], rotation=45, ha="right")
    ax.set_title(f"{name_a} vs {name_b}")
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "comparison.png", dpi=100)
    plt.close(fig)
    for row in rows:
        print(f"{row['metric']}: {row[name_a]:.4f} vs {row[name_b]:.4f} ({row['delta']:+.4f})")


if __name__ == "__main__":
    main()
