"""Warm-start tests use the hostile-step suite's fixtures (the real sandbox)."""

from tests.sandbox.conftest import embedded, hostile, run_one, sandbox  # noqa: F401
