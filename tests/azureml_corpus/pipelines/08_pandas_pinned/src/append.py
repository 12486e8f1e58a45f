"""An Azure ML training-style script written for pandas 1.x: DataFrame.append was removed in 2.0."""

import argparse
import os
import sys

import pandas as pd

parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int)
parser.add_argument("--out")
args = parser.parse_args()

frame = pd.DataFrame({"i": [0]})
for i in range(1, args.rows):
    frame = frame.append({"i": i}, ignore_index=True)
frame.to_csv(os.path.join(args.out, "rows.csv"), index=False)
with open(os.path.join(args.out, "version.txt"), "w") as handle:
    handle.write(f"{pd.__version__} {sys.version_info.major}.{sys.version_info.minor}\n")
