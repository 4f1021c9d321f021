"""Helpers for the tests that run Consentry's own processes (workers, the web server) beside
the test: waiting for what they do, and a PostgreSQL database of their own.

Such processes cannot share the test's database (pytest-django's is rolled back, or emptied
by TRUNCATE after each test), so each test that needs them gets a new database on the test
server, dropped afterwards.
"""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection


def wait_for(condition, seconds: float, what: str = "it", every: float = 0.05):
    """Ask `condition()` until it answers something true; that answer. Fails the test after
    `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every)
    pytest.fail(f"gave up waiting for {what} after {seconds} s")


def server_url() -> str:
    """postgres://user:password@host:port of the test database's server (no database)."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}"


@contextmanager
def own_database(prefix: str) -> Iterator[str]:
    """A new, empty database on the test server for the length of the block; its URL."""
    server = server_url()
    name = f"{prefix}_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
