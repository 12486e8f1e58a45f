"""Warm against cold step starts, side by side in one process on one machine load.

python bench/warm_start.py [--repeat 7] [--template-runs 3]

1. Step start through the step runtime (sandbox included), for a step in the server's
   virtualenv whose script imports pandas and scikit-learn: from the runtime getting the
   step ("dispatch") to the script's first line, and to the end of its imports (the
   moment a step can work), and the latency the step records in its details (`start`:
   warm, until the zygote handed the step over; cold, until bwrap was spawned). Medians
   over --repeat, warm and cold interleaved.
2. Memory: the zygote's resident size, and each warm child's copy-on-write growth (its
   private pages, from /proc/self/smaps_rollup at the end of the step) against its RSS.
3. The iris and breast-cancer templates, embedded mode: the first run's wall time (every
   step executed, force_rerun) cold and warm; environments are built by an untimed run
   before, and the first warm run, which starts the zygote, is shown apart.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HOME = tempfile.mkdtemp(prefix="conveyor-warm-bench-")
os.environ.update(CONVEYOR_HOME=HOME, CONVEYOR_LOG_LEVEL="WARNING")
os.environ.pop("DATABASE_URL", None)
os.environ.pop("CONVEYOR_BROKER_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "designer.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from bench.templates_bench import Finished, timed  # noqa: E402
from designer.engine.artifacts import ArtifactStore  # noqa: E402
from designer.engine.runtime import step_run  # noqa: E402
from designer.engine.worker import embedded_worker_start, embedded_worker_stop  # noqa: E402
from designer.engine.zygote import ZYGOTES  # noqa: E402
from designer.pipelines.models import PipelineTemplate  # noqa: E402
from designer.pipelines.samples import template_instantiate  # noqa: E402

SCRIPT = """\
import time
first = time.monotonic()
import pandas, sklearn.ensemble, sklearn.model_selection, sklearn.metrics
ready = time.monotonic()
rollup = {}
for line in open('/proc/self/smaps_rollup'):
    parts = line.split()
    if len(parts) == 3 and parts[2] == 'kB':
        rollup[parts[0].rstrip(':')] = int(parts[1])
private = rollup['Private_Dirty'] + rollup['Private_Clean']
print('bench', first, ready, rollup['Rss'], private)
"""


def warm(on: bool) -> None:
    settings.WARM_STARTS = on
    settings.WARM_START_POOLS = dict.fromkeys(settings.COMPUTE_POOLS, on)


Row = tuple[float, float, int, int, bool, float]


def one_start(store: ArtifactStore, attempt: int) -> Row:
    """(ms to first line, ms to imports done, child RSS kB, child private kB, warm?, the
    start latency the step records in its details)."""
    dirs = store.make_step_dirs("1", "n", attempt, {"out": "uri_folder"})
    (dirs.work / "step.py").write_text(SCRIPT)
    (dirs.work / "step.py").chmod(0o644)
    dispatched = time.monotonic()
    result = step_run("python step.py", dirs=dirs, pool=settings.COMPUTE_POOLS[0])
    log = dirs.log_path.read_text()
    if result.exit_code != 0:
        raise SystemExit(f"bench step failed:\n{log}")
    line = next(x for x in log.splitlines() if x.startswith("bench "))
    _, first, ready, rss, private = line.split()
    return (
        (float(first) - dispatched) * 1000,
        (float(ready) - dispatched) * 1000,
        int(rss),
        int(private),
        "warm start: forked" in log,
        result.start["latency_ms"],
    )


def step_starts(repeat: int) -> None:
    store = ArtifactStore(Path(HOME) / "bench-store")
    attempt = iter(range(1, 10_000))
    warm(True)
    one_start(store, next(attempt))  # Starts the zygote (not counted).
    rows: dict[bool, list[Row]] = {True: [], False: []}
    for _ in range(repeat):
        for on in (False, True):
            warm(on)
            row = one_start(store, next(attempt))
            if row[4] != on:
                raise SystemExit(f"expected a {'warm' if on else 'cold'} start")
            rows[on].append(row)
    print("step start, pandas + scikit-learn step, median of", repeat)
    print(
        f"  {'':6} {'dispatch->first line':>22} {'dispatch->imports done':>24}"
        f" {'recorded start latency':>24}"
    )
    for on in (False, True):
        first = statistics.median(r[0] for r in rows[on])
        ready = statistics.median(r[1] for r in rows[on])
        recorded = statistics.median(r[5] for r in rows[on])
        name = "warm" if on else "cold"
        print(f"  {name:6} {first:19.1f} ms {ready:21.1f} ms {recorded:21.1f} ms")
    (zygote,) = ZYGOTES.running()
    rss = statistics.median(r[2] for r in rows[True]) / 1024
    private = statistics.median(r[3] for r in rows[True]) / 1024
    cold_rss = statistics.median(r[2] for r in rows[False]) / 1024
    print(f"  zygote RSS {zygote.rss_kb() / 1024:.0f} MiB (bwrap + Python)")
    print(
        f"  warm child: RSS {rss:.0f} MiB, of it private (copy-on-write growth) {private:.1f} MiB;"
        f" a cold step's RSS {cold_rss:.0f} MiB"
    )


def templates(runs: int) -> None:
    call_command("sync_components", "--strict", verbosity=0)
    call_command("sync_templates", verbosity=0)
    user = get_user_model().objects.create(username="bench")
    worker = embedded_worker_start(threads=4)
    finished = Finished()
    try:
        for template in PipelineTemplate.objects.order_by("slug"):
            version = template_instantiate(template=template, owner=user).versions.get()
            warm(False)
            timed(version, user, finished, force=True)  # Builds the environments.
            cold = [timed(version, user, finished, force=True)[0] for _ in range(runs)]
            warm(True)
            ZYGOTES.stop_all()
            launches = ZYGOTES.launches
            first_warm = timed(version, user, finished, force=True)[0]
            warm_times = [timed(version, user, finished, force=True)[0] for _ in range(runs)]
            warm_steps = ZYGOTES.launches - launches
            cold_ms, warm_ms = statistics.median(cold) * 1000, statistics.median(warm_times) * 1000
            print(
                f"{template.slug} ({template.node_count} steps): first run cold"
                f" {cold_ms:.0f} ms, warm {warm_ms:.0f} ms"
                f" (the run that started the zygote {first_warm * 1000:.0f} ms;"
                f" {warm_steps} warm step starts in {runs + 1} runs)"
            )
            rss = ", ".join(f"{z.rss_kb() / 1024:.0f} MiB" for z in ZYGOTES.running())
            print(f"  zygotes now: {rss}")
    finally:
        embedded_worker_stop(worker)
        ZYGOTES.stop_all()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--template-runs", type=int, default=3)
    args: Any = parser.parse_args()
    call_command("migrate", verbosity=0)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, {sys.executable}")
    step_starts(args.repeat)
    ZYGOTES.stop_all()
    templates(args.template_runs)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
