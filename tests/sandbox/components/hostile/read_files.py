"""Try to read each path given after the output folder."""

import sys

from report import attempt, read

out, *paths = sys.argv[1:]
for path in paths:
    attempt(out, f"read {path}", lambda path=path: read(path))
