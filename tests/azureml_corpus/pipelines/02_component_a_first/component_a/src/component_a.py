import argparse
import os

parser = argparse.ArgumentParser()
parser.add_argument("--out")
args = parser.parse_args()
print("component_a from pipeline A")
with open(os.path.join(args.out, "which.txt"), "w") as handle:
    handle.write("A\n")
