import argparse
import csv
import os

parser = argparse.ArgumentParser()
for name in ("table", "folder", "extra", "count", "scale", "label", "loud", "out"):
    parser.add_argument(f"--{name}", required=True)
parser.add_argument("--note")
args = parser.parse_args()
assert args.note is None, "an unset optional input must not be passed"
assert os.listdir(args.folder) == ["part.txt"]
with open(args.table) as handle:
    total = sum(int(row["a"]) + int(row["b"]) for row in csv.DictReader(handle))
with open(args.extra) as handle:
    assert handle.read().startswith("a,b")
value = total * int(args.count) * float(args.scale)
text = f"{args.label}={value:g} loud={args.loud}"
print(text)
with open(os.path.join(args.out, "sum.txt"), "w") as handle:
    handle.write(text)
