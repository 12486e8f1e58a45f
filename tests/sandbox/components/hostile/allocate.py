"""Try to allocate (and touch) 100 GiB."""

import sys

from report import attempt

out = sys.argv[1]


def allocate() -> int:
    block = bytearray(100 * 1024**3)
    return len(block)


attempt(out, "allocate 100 GiB", allocate)
