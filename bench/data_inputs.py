"""Data inputs at submit: digest throughput, the size-limit refusal, other writers meanwhile.

python bench/data_inputs.py [--mib 256]

On a fresh CONVEYOR_HOME (embedded SQLite) with a datastore holding one random file of
`--mib` MiB, prints:
- the submit-time digest of that file (streamed sha256): seconds and MiB/s;
- the refusal of a 48 GiB sparse file with a 1 GiB limit: milliseconds;
- the slowest of a stream of small writes by another connection while `run_submit`
  digests the file (outside its transaction), and, for comparison, while the same digest
  runs inside a write transaction (what submit did before issue 10).
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HOME = tempfile.mkdtemp(prefix="conveyor-data-bench-")
os.environ.update(
    CONVEYOR_HOME=HOME, CONVEYOR_LOG_LEVEL="WARNING", CONVEYOR_SQLITE_BUSY_TIMEOUT="60"
)
os.environ.pop("DATABASE_URL", None)
os.environ.pop("CONVEYOR_BROKER_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "designer.settings")


_NAMES = itertools.count()


def _writes(stop: threading.Event, latencies: list[float]) -> None:
    from django.contrib.auth.models import Group
    from django.db import connection

    while not stop.is_set():
        started = time.perf_counter()
        Group.objects.create(name=f"writer-{next(_NAMES)}")
        latencies.append(time.perf_counter() - started)
        time.sleep(0.005)
    connection.close()


def _slowest_write_during(action) -> tuple[float, int]:
    stop, latencies = threading.Event(), []
    writer = threading.Thread(target=_writes, args=(stop, latencies))
    writer.start()
    time.sleep(0.05)
    action()
    stop.set()
    writer.join()
    return max(latencies), len(latencies)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=256)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction

    from designer.datastores.services import data_digest, datastore_create, datastore_grant
    from designer.engine.submit import run_submit
    from designer.pipelines.services import pipeline_create
    from designer.registry.services import component_register_file

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user(username="bench", password="bench-pw-1")
    root = Path(tempfile.mkdtemp(prefix="conveyor-data-bench-store-"))
    with open(root / "data.bin", "wb") as out:
        for _ in range(args.mib):
            out.write(os.urandom(1 << 20))
    with open(root / "sparse.bin", "wb") as out:
        out.truncate(48 * 1024**3)
    store = datastore_create(name="shared", root=str(root))
    datastore_grant(datastore=store, user=user)
    reference = "azureml://datastores/shared/paths/data.bin"

    started = time.perf_counter()
    data_digest(reference, user=user, port_type="uri_file")
    took = time.perf_counter() - started
    print(f"digest of {args.mib} MiB: {took:.2f} s ({args.mib / took:.0f} MiB/s)")

    settings.DATA_DIGEST_MAX_BYTES = 1024**3
    started = time.perf_counter()
    try:
        data_digest("azureml://datastores/shared/paths/sparse.bin", user=user)
    except ValueError as exc:
        print(
            f"48 GiB sparse file refused in {(time.perf_counter() - started) * 1000:.1f} ms: {exc}"
        )
    settings.DATA_DIGEST_MAX_BYTES = 1 << 40

    component_register_file(ROOT / "tests/engine/components/cat.yml", source="command")
    table = {"type": "uri_file", "optional": False, "description": ""}
    document = {
        "schema_version": 1, "name": "bench", "inputs": {"table": table}, "outputs": {},
        "settings": {"default_compute": "cpu"}, "edges": [],
        "nodes": [
            {"id": "cat", "component": "t_cat@1", "inputs": {"file": {"pipeline_input": "table"}}}
        ],
    }  # fmt: skip
    version = pipeline_create(name="bench", owner=user, document=document).versions.get()

    def submit() -> None:
        run_submit(pipeline_version=version, user=user, inputs={"table": reference})

    worst, count = _slowest_write_during(submit)
    print(f"run_submit, digest outside its transaction: slowest of {count} other writes", end="")
    print(f" {worst * 1000:.1f} ms")

    def digest_in_transaction() -> None:
        with transaction.atomic():
            get_user_model().objects.filter(pk=user.pk).update(first_name="locked")
            data_digest(reference, user=user, port_type="uri_file")

    worst, count = _slowest_write_during(digest_in_transaction)
    print(f"same digest inside a write transaction: slowest of {count} other writes", end="")
    print(f" {worst * 1000:.1f} ms")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(HOME, ignore_errors=True)
        for folder in Path(tempfile.gettempdir()).glob("conveyor-data-bench-store-*"):
            shutil.rmtree(folder, ignore_errors=True)
