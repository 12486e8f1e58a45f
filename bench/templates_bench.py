"""Pipeline templates in embedded mode: first run, fully reused rerun, and start-up share.

python bench/templates_bench.py [--threads 4] [--repeat 3] [--launches 5]

For each template (designer/pipelines/samples/), on a fresh CONVEYOR_HOME: the wall time
from submit to the end of its first run (the first repeat is cold; later repeats use
force_rerun) and of an unchanged rerun (every step reused, no subprocess), medians over
the repeats. Then per step its median duration (StepRun started_at -> ended_at) and the
share of it that starting Python (`python -c pass`) and importing pandas and scikit-learn
(`python -c "import pandas, sklearn"`) take: median wall times of subprocess launches
with the step's clean environment, `--launches` of each before every repeat, so that
launches and runs see the same machine load. "own imports" launches the third-party
imports each component's code does at module level (e.g. `from sklearn import metrics`,
`matplotlib.pyplot`), which is what the step really pays: `import sklearn` alone loads
only part of scikit-learn, and score_model never imports scikit-learn itself.
"""

from __future__ import annotations

import argparse
import ast
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HOME = tempfile.mkdtemp(prefix="conveyor-templates-bench-")
os.environ.update(CONVEYOR_HOME=HOME, CONVEYOR_LOG_LEVEL="WARNING")
os.environ.pop("DATABASE_URL", None)
os.environ.pop("CONVEYOR_BROKER_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "designer.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from designer.engine import events  # noqa: E402
from designer.engine.models import TERMINAL, Run  # noqa: E402
from designer.engine.submit import run_submit  # noqa: E402
from designer.engine.worker import embedded_worker_start, embedded_worker_stop  # noqa: E402
from designer.pipelines.models import PipelineTemplate, PipelineVersion  # noqa: E402
from designer.pipelines.samples import template_instantiate  # noqa: E402

PASS = "pass"
IMPORTS = "import pandas, sklearn"
COMPONENTS = ROOT / "components"


def component_imports() -> dict[str, str]:
    """name@version -> the third-party imports its code does at module level, as code."""
    found: dict[str, str] = {}
    for spec_path in sorted(COMPONENTS.glob("*/*.yml")):
        spec = yaml.safe_load(spec_path.read_text())
        code = (spec_path.parent / spec.get("code", ".")).resolve()
        local = {path.stem for path in code.glob("*.py")}
        lines: list[str] = []
        for source in sorted(code.glob("*.py")):
            for stmt in ast.parse(source.read_text()).body:
                if isinstance(stmt, ast.Import):
                    tops = [alias.name.split(".")[0] for alias in stmt.names]
                elif isinstance(stmt, ast.ImportFrom) and stmt.level == 0 and stmt.module:
                    tops = [stmt.module.split(".")[0]]
                else:
                    continue
                if any(t not in sys.stdlib_module_names and t not in local for t in tops):
                    lines.append(ast.unparse(stmt))
        found[f"{spec['name']}@{spec['version']}"] = "\n".join(dict.fromkeys(lines)) or PASS
    return found


class Finished:
    """Wakes the caller when a run.status event says the run ended (no polling)."""

    def __init__(self) -> None:
        self.ended: dict[int, threading.Event] = {}
        self.lock = threading.Lock()
        events.subscribe(self.on_event)

    def event(self, run_id: int) -> threading.Event:
        with self.lock:
            return self.ended.setdefault(run_id, threading.Event())

    def on_event(self, event: dict[str, Any]) -> None:
        if event["type"] == "run.status" and event["payload"]["status"] in TERMINAL:
            self.event(event["run"]).set()

    def wait(self, run_id: int, timeout: float = 900) -> None:
        if not self.event(run_id).wait(timeout):
            raise TimeoutError(f"run {run_id} did not finish")


def step_env() -> dict[str, str]:
    """Like the engine's clean step environment: the interpreter's folder first on PATH."""
    bin_dir = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
        "HOME": tempfile.mkdtemp(prefix="bench-home-"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if "VIRTUAL_ENV" in os.environ:
        env["VIRTUAL_ENV"] = os.environ["VIRTUAL_ENV"]
    return env


class Launches:
    """Wall times of `python -c code` subprocesses with the step's clean environment."""

    def __init__(self) -> None:
        self.env = step_env()
        self.times: dict[str, list[float]] = {}

    def measure(self, code: str, launches: int) -> None:
        command = [sys.executable, "-c", code]
        if code not in self.times:
            subprocess.run(command, check=True, env=self.env)  # warm the file cache
        for _ in range(launches):
            started = time.perf_counter()
            subprocess.run(command, check=True, env=self.env)
            self.times.setdefault(code, []).append(time.perf_counter() - started)

    def median(self, code: str) -> float:
        return statistics.median(self.times[code])


def timed(
    version: PipelineVersion, user: Any, finished: Finished, force: bool
) -> tuple[float, Run]:
    started = time.perf_counter()
    run = run_submit(
        pipeline_version=version, user=user, settings={"force_rerun": True} if force else {}
    )
    finished.wait(run.pk)
    elapsed = time.perf_counter() - started
    run.refresh_from_db()
    if run.status != "Completed":
        errors = {s.node_id: s.error for s in run.steps.all() if s.error}
        raise SystemExit(f"run {run.pk} of {version.pipeline.name} {run.status}: {errors}")
    return elapsed, run


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.0f} ms"


def step_durations(runs: list[Run]) -> dict[str, float]:
    """node id -> median duration (started_at -> ended_at) over the runs, in start order."""
    durations: dict[str, list[float]] = {}
    for run in runs:
        for step in run.steps.order_by("started_at"):
            if step.started_at is not None and step.ended_at is not None:
                seconds = (step.ended_at - step.started_at).total_seconds()
                durations.setdefault(step.node_id, []).append(seconds)
    return {node: statistics.median(times) for node, times in durations.items()}


def report_steps(
    document: dict[str, Any], durations: dict[str, float], launches: Launches, own: dict[str, str]
) -> None:
    """Print each step's duration and the share of it that start-up and imports take.

    own: component ref -> the code of that component's own third-party imports.
    """
    start, imports = launches.median(PASS), launches.median(IMPORTS)
    refs = {node["id"]: node["component"] for node in document["nodes"]}
    print(
        f"    {'step':<12} {'component':<22} {'duration':>11}   python start"
        "  +pandas,sklearn  = start+import  start+own imports"
    )
    for node, seconds in durations.items():
        ref = refs[node]
        print(
            f"    {node:<12} {ref:<22} {ms(seconds)}   {start / seconds:12.1%}"
            f"  {(imports - start) / seconds:15.1%}  {imports / seconds:14.1%}"
            f"  {launches.median(own[ref]) / seconds:17.1%}"
        )
    busy = sum(durations.values())
    share = len(durations) * imports / busy
    own_share = sum(launches.median(own[refs[node]]) for node in durations) / busy
    print(
        f"  sum of step durations {ms(busy)}: start + pandas/sklearn {share:.1%},"
        f" start + own imports {own_share:.1%}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3, help="first runs per template")
    parser.add_argument("--launches", type=int, default=5, help="per code, per repeat")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("sync_components", "--strict", verbosity=0)
    call_command("sync_templates", verbosity=0)
    user = get_user_model().objects.create(username="bench")
    worker = embedded_worker_start(threads=args.threads)
    finished = Finished()
    try:
        print(f"embedded mode, {args.threads} worker threads, SQLite at {HOME}")
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, {sys.executable}")
        imports_of = component_imports()
        launches = Launches()
        for template in PipelineTemplate.objects.order_by("slug"):
            own = {n["component"]: imports_of[n["component"]] for n in template.document["nodes"]}
            version = template_instantiate(template=template, owner=user).versions.get()
            firsts, reruns, runs = [], [], []
            for index in range(args.repeat):
                # Launches interleaved with the runs, so that both see the same machine load.
                for code in dict.fromkeys([PASS, IMPORTS, *own.values()]):
                    launches.measure(code, args.launches)
                seconds, run = timed(version, user, finished, force=index > 0)
                firsts.append(seconds)
                runs.append(run)
                seconds, rerun = timed(version, user, finished, force=False)
                assert all(s.reused for s in rerun.steps.all()), "rerun was not fully reused"
                reruns.append(seconds)
            first, reused = statistics.median(firsts), statistics.median(reruns)
            print(f"\n{template.slug} ({template.node_count} steps, {args.repeat} runs)")
            print(f"  python -c {PASS!r:<26} {ms(launches.median(PASS))}")
            print(f"  python -c {IMPORTS!r:<26} {ms(launches.median(IMPORTS))}")
            print(f"  first run        {ms(first)}   (cold: {ms(firsts[0])})")
            print(f"  reused rerun     {ms(reused)}")
            report_steps(template.document, step_durations(runs), launches, own)
        print(f"\nload average at the end {os.getloadavg()[0]:.2f}")
    finally:
        embedded_worker_stop(worker)


if __name__ == "__main__":
    main()
