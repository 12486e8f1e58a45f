"""Shared by the hostile scripts: try something, write what happened to report.txt."""

import os
import sys


def attempt(out: str, label: str, action) -> None:
    """Run `action()`; record `label: OK <result>` or `label: FAILED <error>`."""
    try:
        result = action()
        line = f"{label}: OK {result!r}"
    except BaseException as exc:  # Every failure is the expected outcome.
        line = f"{label}: FAILED {type(exc).__name__}: {exc}"
    with open(os.path.join(out, "report.txt"), "a") as report:
        report.write(line + "\n")
    print(line, flush=True)


def read(path: str) -> str:
    with open(path, "rb") as handle:
        return handle.read(4096).decode("utf-8", "replace")


if __name__ == "__main__":
    sys.exit("import me")
