"""An Azure ML-style training script: it logs through mlflow and never names a store."""

import argparse
import os

import mlflow

parser = argparse.ArgumentParser()
parser.add_argument("--alpha", type=float)
parser.add_argument("--model")
args = parser.parse_args()

with mlflow.start_run(run_name="train"):
    mlflow.log_param("alpha", args.alpha)
    mlflow.set_tag("stage", "demo")
    for step, loss in enumerate([1.0, 0.5, 0.25]):
        mlflow.log_metric("loss", loss * args.alpha, step=step)
    mlflow.log_metric("accuracy", 0.9)
    with open(os.path.join(args.model, "model.txt"), "w") as handle:
        handle.write("weights\n")
    mlflow.log_artifact(os.path.join(args.model, "model.txt"))
print("logged to", os.environ.get("MLFLOW_TRACKING_URI", "")[:7])
