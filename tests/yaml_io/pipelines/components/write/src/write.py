import argparse
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--text", required=True)
parser.add_argument("--count", type=int, required=True)
parser.add_argument("--scale", type=float, required=True)
parser.add_argument("--suffix", default="")
parser.add_argument("--out", required=True)
args = parser.parse_args()
line = f"{args.text}{args.suffix} x{args.count} *{args.scale}\n"
(Path(args.out) / "text.txt").write_text(line * args.count)
