"""Data inputs are hashed before the submit transaction, streamed, with a size limit."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from tests.datastores.conftest import cat_document, run_errors, submit

pytestmark = pytest.mark.django_db(transaction=True)

BIG = "azureml://datastores/shared/paths/big.bin"


def test_a_sparse_file_over_the_digest_limit_is_refused_with_a_clear_400(
    api, shared, make_version, settings
):
    settings.DATA_DIGEST_MAX_BYTES = 1024 * 1024
    with open(Path(shared.root) / "big.bin", "wb") as handle:
        handle.truncate(48 * 1024**3)  # 48 GiB, sparse: nothing is written to disk
    version = make_version(cat_document(), name="big")
    errors = run_errors(submit(api, version, table=BIG))
    assert [(e["node"], e["port"], e["code"]) for e in errors] == [
        (None, "table", "data_too_large")
    ]
    assert "1048576-byte limit" in errors[0]["message"]
    assert "CONVEYOR_DATA_DIGEST_MAX_BYTES" in errors[0]["message"]
    from designer.engine.models import Run

    assert not Run.objects.exists()


def test_digesting_happens_outside_any_transaction_so_other_writers_go_on(
    api, shared, make_version, monkeypatch, django_user_model
):
    from django.db import close_old_connections, connection

    import designer.engine.submit as submit_module

    (Path(shared.root) / "big.bin").write_bytes(os.urandom(4 * 1024 * 1024))
    version = make_version(cat_document(), name="big")
    real = submit_module.data_digest
    seen: dict[str, object] = {}

    def digest_while_another_user_signs_up(*args, **kwargs):
        seen["in_transaction"] = connection.in_atomic_block

        def write() -> None:
            try:
                django_user_model.objects.create_user(username="writer", password="pw-w-12345")
                seen["written"] = True
            finally:
                close_old_connections()

        writer = threading.Thread(target=write)
        writer.start()
        writer.join()
        return real(*args, **kwargs)

    monkeypatch.setattr(submit_module, "data_digest", digest_while_another_user_signs_up)
    response = submit(api, version, table=BIG)
    assert response.status_code == 201, response.json()
    assert seen == {"in_transaction": False, "written": True}
    assert django_user_model.objects.filter(username="writer").exists()
