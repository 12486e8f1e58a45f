"""Idempotent submit: a client's `Idempotency-Key` makes retrying a submit safe.

The key (unique per user) and a digest of the request body are written with the run, in
the transaction that creates it (`submit._create`), so a run exists with its key or not
at all. `run_submit_once` wraps `run_submit`: the first call with a key creates the run,
a later one with the same body returns that run, and one with another body is refused.
The key reaches the row through `_SUBMIT_KEY` and a `pre_save` hook on Run, which keeps
the submit service's signature (shared with the dataset work) unchanged.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import IntegrityError
from django.db.models.signals import pre_save
from django.dispatch import receiver

from designer.engine.models import Run

KEY_MAX = 200
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,200}$")  # Printable ASCII, no spaces.
_SUBMIT_KEY: ContextVar[tuple[str, str] | None] = ContextVar("conveyor_submit_key", default=None)


class KeyInvalid(ValueError):
    """The Idempotency-Key header is empty, too long or not printable ASCII."""


class KeyReused(Exception):
    """The key was already used by this user for a submit with a different body."""

    def __init__(self, run: Run) -> None:
        self.run = run
        super().__init__(f"the key was used for run {run.pk} with a different request")


def key_check(key: str) -> str:
    """The key, or KeyInvalid naming what is wrong with it."""
    if not _KEY_PATTERN.match(key):
        raise KeyInvalid(
            f"Idempotency-Key must be 1 to {KEY_MAX} printable ASCII characters without spaces"
        )
    return key


def request_digest(body: Any) -> str:
    """sha256 of the request body in canonical JSON (key order and spacing ignored)."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def run_by_key(*, user: Any, key: str) -> Run | None:
    return Run.objects.filter(user=user, idempotency_key=key).first()


@contextmanager
def _keyed(key: str, digest: str) -> Iterator[None]:
    token = _SUBMIT_KEY.set((key, digest))
    try:
        yield
    finally:
        _SUBMIT_KEY.reset(token)


@receiver(pre_save, sender=Run, dispatch_uid="conveyor-run-idempotency-key")
def _stamp_key(sender: type[Run], instance: Run, **kwargs: Any) -> None:
    keyed = _SUBMIT_KEY.get()
    if keyed is not None and instance._state.adding and not instance.idempotency_key:
        instance.idempotency_key, instance.request_digest = keyed


def run_submit_once(
    *, user: Any, key: str, digest: str, submit: Callable[[], Run]
) -> tuple[Run, bool]:
    """Submit once per (user, key); (the run, whether this call created it).

    key: the client's Idempotency-Key (checked). digest: `request_digest` of the body.
    submit: creates the run (`run_submit` with the request's arguments).
    Raises KeyReused when the key's run was submitted with a different body.
    """
    existing = run_by_key(user=user, key=key)
    if existing is None:
        try:
            with _keyed(key, digest):
                return submit(), True
        except IntegrityError:
            # A concurrent submit with the same key won the unique constraint.
            existing = run_by_key(user=user, key=key)
            if existing is None:
                raise
    if existing.request_digest != digest:
        raise KeyReused(existing)
    return existing, False
