"""Environment builds and step start-up, printed as figures (docs/environments.md).

python bench/environments.py [--repeats 15] [--skip-cold]

- build, cold: an empty uv cache (every wheel downloaded from the package index);
- build, warm: uv's cache filled, a new environment folder (what a second host or a
  pruned environment costs);
- prepare, built: the per-step cost once the folder exists (a stat and a touch);
- step start: `python -c pass` and `python -c "import pandas, sklearn"` in the built-in
  environment against the server's virtualenv (median wall time of --repeats launches).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "designer.settings")

import django  # noqa: E402

django.setup()

from designer.environments.build import BuildConfig, environment_prepare  # noqa: E402
from designer.environments.resolve import default_spec  # noqa: E402
from designer.environments.services import build_config  # noqa: E402
from designer.environments.spec import EnvironmentSpec  # noqa: E402

# What the issue measured: pandas 1.5.3 and scikit-learn 1.5.2 in a fresh venv.
PINNED = EnvironmentSpec(
    python="3.10", requirements=("numpy<2", "pandas==1.5.3", "scikit-learn==1.5.2")
)


def _build_seconds(spec: EnvironmentSpec, base: BuildConfig, cache: Path | None) -> float:
    env_dir = Path(tempfile.mkdtemp(prefix="bench-envs-"))
    config = BuildConfig(
        env_dir=env_dir, uv=base.uv, interpreters=base.interpreters, cache_dir=cache
    )
    try:
        started = time.perf_counter()
        environment_prepare(spec, config)
        return time.perf_counter() - started
    finally:
        shutil.rmtree(env_dir, ignore_errors=True)


def _start_seconds(python: Path, code: str, repeats: int) -> float:
    def once() -> float:
        started = time.perf_counter()
        subprocess.run([str(python), "-c", code], check=True, env={"PATH": "/usr/bin:/bin"})
        return time.perf_counter() - started

    once()  # warm the page cache
    return statistics.median(once() for _ in range(repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--skip-cold", action="store_true", help="no download from the index")
    args = parser.parse_args()
    base = build_config()
    print(f"cpus {os.cpu_count()}, uv {base.uv}")
    for label, spec in (("pandas 1.5.3 + scikit-learn 1.5.2, py3.10", PINNED),
                        ("built-in (default) environment, py3.11", default_spec())):  # fmt: skip
        if not args.skip_cold:
            cold_cache = Path(tempfile.mkdtemp(prefix="bench-uv-cache-"))
            try:
                cold = _build_seconds(spec, base, cold_cache)
                warm = _build_seconds(spec, base, cold_cache)
            finally:
                shutil.rmtree(cold_cache, ignore_errors=True)
            print(f"{label}: build cold {cold:.2f} s, warm cache {warm:.2f} s")
        else:
            warm = _build_seconds(spec, base, base.cache_dir)
            print(f"{label}: build with the host's uv cache {warm:.2f} s")
    built = environment_prepare(default_spec(), base)
    started = time.perf_counter()
    for _ in range(1000):
        environment_prepare(default_spec(), base)
    per_prepare = (time.perf_counter() - started) / 1000
    print(f"prepare of an already built environment: {per_prepare * 1e3:.3f} ms")
    server = Path(sys.executable)
    for code in ("pass", "import pandas, sklearn"):
        ours = _start_seconds(built.python, code, args.repeats)
        theirs = _start_seconds(server, code, args.repeats)
        print(
            f"python -c {code!r}: built-in environment {ours * 1e3:.0f} ms, "
            f"server virtualenv {theirs * 1e3:.0f} ms (median of {args.repeats})"
        )


if __name__ == "__main__":
    main()
