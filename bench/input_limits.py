"""How long the input limits take to refuse hostile input (issue 10 §6); prints numbers.

Run: .venv/bin/python bench/input_limits.py
"""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from designer.core.jsonsafe import JsonLimitError, json_loads
from designer.core.yamlsafe import YamlLimitError, safe_load


def alias_bomb() -> str:
    levels = "abcdefg"
    lines = [f"a: &a [{','.join(['lol'] * 9)}]"]
    for prev, level in itertools.pairwise(levels):
        lines.append(f"{level}: &{level} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def timed(label: str, action: Callable[[], Any], repeat: int = 5) -> None:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        with contextlib.suppress(YamlLimitError, JsonLimitError):
            action()
        best = min(best, time.perf_counter() - start)
    print(f"{label:<52} {best * 1000:8.2f} ms")


def main() -> None:
    bomb = alias_bomb()
    timed(f"YAML alias bomb ({len(bomb)} bytes, 9^7 values)", lambda: safe_load(bomb))
    deep_flow = "jobs: " + "[" * 500_000 + "]" * 500_000
    timed("YAML 500,000 nested flow brackets (1 MB)", lambda: safe_load(deep_flow))
    deep_block = "".join(f"{'  ' * i}k{i}:\n" for i in range(200)) + "  " * 200 + "v: 1\n"
    timed("YAML 200 nested block mappings", lambda: safe_load(deep_block))
    deep_json = "[" * 1000 + "]" * 1000
    timed("JSON nested 1,000 levels", lambda: json_loads(deep_json))
    big = json.dumps(
        {"nodes": [{"id": f"n{i}", "inputs": {"a": {"value": "x" * 50}}} for i in range(20_000)]}
    )
    timed(
        f"JSON legit document ({len(big) // 1024} KiB), parse + depth walk", lambda: json_loads(big)
    )
    timed("JSON same document, json.loads alone", lambda: json.loads(big))


if __name__ == "__main__":
    main()
