"""Try to read the environment of pid 1, the parent, and every process it can see."""

import os
import sys

from report import attempt, read

out = sys.argv[1]
attempt(out, "pid 1", lambda: read("/proc/1/environ"))
attempt(out, "parent", lambda: read(f"/proc/{os.getppid()}/environ"))
pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
attempt(out, "visible pids", lambda: pids)
for pid in pids:
    attempt(out, f"pid {pid}", lambda pid=pid: read(f"/proc/{pid}/environ"))
