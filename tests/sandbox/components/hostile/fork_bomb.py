"""Fork up to `tries` children that each sleep; count how many the limit let through."""

import os
import sys
import time

out, tries = sys.argv[1], int(sys.argv[2])
started = 0
error = ""
for _ in range(tries):
    try:
        pid = os.fork()
    except OSError as exc:
        error = f"{type(exc).__name__}: {exc}"
        break
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    started += 1
with open(os.path.join(out, "report.txt"), "w") as report:
    report.write(f"forked {started} of {tries}; {error}\n")
