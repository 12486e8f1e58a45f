"""Engine overhead in scale-out mode: PostgreSQL + Redis + two `rundramatiq` processes.

python bench/engine_scaleout.py [--postgres URL] [--redis URL] [--threads 4]
Times are the runs' own created_at -> ended_at, read from the database.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import chain, fanout, floor_seconds, report, report_reused  # noqa: E402
from tests.engine.cluster import Cluster, fresh_postgres  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each case (medians)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="conveyor-bench-scale-"))
    database, drop = fresh_postgres(args.postgres)
    cluster = Cluster(
        database_url=database,
        broker_url=args.redis,
        home=home,
        threads=args.threads,
        CONVEYOR_COMPONENTS_DIR=str(ROOT / "bench" / "components"),
    )
    try:
        cluster.driver("setup")
        cluster.driver("register", str(ROOT / "bench" / "components" / "noop.yml"))
        cluster.start_worker()
        cluster.start_worker()
        cluster.wait_ready()
        floor = floor_seconds()
        slots = 2 * args.threads
        parallel_floor = floor_seconds(200, parallel=slots)
        print(f"scale-out mode: PostgreSQL + Redis, 2 worker processes x {args.threads} threads")
        print(f"{'floor: python -c pass':<34} {floor * 1000:9.2f} ms per launch")
        print(
            f"{f'floor: {slots} launches at once':<34} {parallel_floor * 1000:9.2f} ms"
            f" per launch per slot ({os.cpu_count()} CPUs)"
        )
        for label, doc, steps, parallel, settings in (
            ("chain-50", chain(50), 50, 1, {"force_rerun": True}),
            ("fanout-200", fanout(200), 200, slots, {"force_rerun": True}),
            ("fanout-200 reused rerun", fanout(200), 200, 0, {}),
        ):
            name = label.split(" ")[0]
            times, phases = [], []
            for _ in range(args.repeat):
                run = cluster.driver("submit", name, json.dumps(doc), json.dumps(settings))["run"]
                result = cluster.driver("wait", str(run), "600")
                assert result["status"] == "Completed", result["status"]
                times.append(result["seconds"])
                if parallel:
                    phases.append(cluster.driver("timings", str(run)))
            seconds = statistics.median(times)
            if parallel:
                report(label, seconds, steps, floor, parallel)
                if parallel > 1:
                    report("  vs parallel floor", seconds, steps, parallel_floor, parallel)
                for key in ("queued_to_started", "started_to_ended"):
                    value = statistics.median(p[key] for p in phases)
                    print(f"  median step {key.replace('_', ' ')}: {value * 1000:7.2f} ms")
            else:
                report_reused(label, seconds, steps)
    finally:
        cluster.stop()
        drop()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
