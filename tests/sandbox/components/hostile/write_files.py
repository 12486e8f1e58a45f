"""Try to create a file at each path given after the output folder."""

import sys

from report import attempt

out, *paths = sys.argv[1:]


def write(path: str) -> str:
    with open(path, "w") as handle:
        handle.write("hostile was here\n")
    return path


for path in paths:
    attempt(out, f"write {path}", lambda path=path: write(path))
