"""Changing the trail and the append-only rows behind the application's back, as an attacker
who can write the database would."""

from contextlib import contextmanager

from django.db import connection


@contextmanager
def tampering():
    """Let the test change the log behind the application's back.

    SQLite has no guard below the model; on PostgreSQL the triggers refuse UPDATE and DELETE,
    so (as the test superuser) switch them off for the tampering only.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = origin")


def execute(sql: str, params: list | None = None) -> int:
    """Raw SQL behind the application's back; the number of rows it touched."""
    with tampering(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount
