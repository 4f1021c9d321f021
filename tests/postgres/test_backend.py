"""A guard for CI: the PostgreSQL run must really run on PostgreSQL.

Every test in this package skips itself on SQLite, so a mistyped DATABASE_URL would turn
the PostgreSQL run into a quiet, green SQLite run. .ci/run sets CONSENTRY_EXPECT_DB_VENDOR.
"""

import os

import pytest
from django.db import connection


def test_the_suite_runs_on_the_database_ci_asked_for():
    expected = os.environ.get("CONSENTRY_EXPECT_DB_VENDOR")
    if not expected:
        pytest.skip("only checked when CONSENTRY_EXPECT_DB_VENDOR is set (as .ci/run does)")
    assert connection.vendor == expected
