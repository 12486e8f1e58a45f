import argparse
import os

parser = argparse.ArgumentParser()
parser.add_argument("--greeting")
parser.add_argument("--out")
args = parser.parse_args()
print(args.greeting)
with open(os.path.join(args.out, "greeting.txt"), "w") as handle:
    handle.write(args.greeting + "\n")
