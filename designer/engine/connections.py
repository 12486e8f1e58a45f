"""Database connection helpers for threads that keep their connections (workers, monitors)."""

from __future__ import annotations

from django.db import connections


def connections_tidy() -> None:
    """`close_old_connections` for a thread that keeps its connections: closes the calling
    thread's unusable, errored or autocommit-changed connections and those older than a
    positive CONN_MAX_AGE, but not every connection when CONN_MAX_AGE is 0."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and conn.settings_dict.get("CONN_MAX_AGE") == 0:
            conn.close_at = None  # not obsolete by age; the other checks still apply
        conn.close_if_unusable_or_obsolete()
