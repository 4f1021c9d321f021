"""The database in a backup: PostgreSQL through pg_dump and pg_restore (custom format),
SQLite through its online backup API.

Either way the copy is one consistent moment (pg_dump reads an exported snapshot, SQLite's
backup copies pages under a read lock), and the rows of every table are counted in that same
moment, so that a restore can prove it restored all of them. A restore goes only into a
database without tables: pg_restore then creates the tables, loads the rows and only then
the triggers (the audit log's among them), in one transaction.
"""

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection, transaction

FILE_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
TABLES_SQL = {
    "postgresql": "SELECT tablename FROM pg_tables"
    " WHERE schemaname = ANY (current_schemas(false)) ORDER BY 1",
    "sqlite": "SELECT name FROM sqlite_master"
    " WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1",
}


class BackupError(Exception):
    """Said to the operator as it is: what is wrong, and what to do."""


def vendor() -> str:
    if connection.vendor not in FILE_NAMES:
        raise BackupError(f"Backups know PostgreSQL and SQLite, not {connection.vendor}.")
    return connection.vendor


def tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(TABLES_SQL[vendor()])
        return [row[0] for row in cursor.fetchall()]


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        return _counts(cursor, vendor())


def dump(path: Path) -> dict[str, int]:
    """The whole database into `path`; the rows per table at that moment."""
    if connection.in_atomic_block:
        raise BackupError("A backup takes its own transaction; run it outside of one.")
    return _dump_postgresql(path) if vendor() == "postgresql" else _dump_sqlite(path)


def restore(path: Path) -> None:
    """`path` (written by `dump`) into this database, which must have no tables."""
    if vendor() == "postgresql":
        options = ["--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges"]
        _run("pg_restore", *options, f"--dbname={connection.settings_dict['NAME']}", str(path))
    else:
        copy = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            connection.ensure_connection()
            copy.backup(connection.connection)
        finally:
            copy.close()


def client_program(name: str) -> str:
    """A PostgreSQL client program: on PATH, or the newest in /usr/lib/postgresql/*/bin
    (where Debian keeps them). pg_dump must be at least as new as the server."""
    found = shutil.which(name)
    if found:
        return found
    installed = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    if installed:  # /usr/lib/postgresql/17/bin/pg_dump: the newest version
        return max(installed, key=lambda path: [int(n) for n in path.split("/")[4].split(".")])
    raise BackupError(
        f"{name} was not found on PATH or in /usr/lib/postgresql/*/bin: install the "
        "PostgreSQL client programs (on Debian: apt-get install postgresql-client)."
    )


def _dump_postgresql(path: Path) -> dict[str, int]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        _run("pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={path}")
        return _counts(cursor, "postgresql")  # in the snapshot pg_dump read


def _dump_sqlite(path: Path) -> dict[str, int]:
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    try:
        connection.connection.backup(copy)
        return _counts(copy.cursor(), "sqlite")  # of the copy itself
    finally:
        copy.close()


def _counts(cursor, vendor: str) -> dict[str, int]:
    cursor.execute(TABLES_SQL[vendor])
    counts = {}
    for (table,) in cursor.fetchall():
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _run(program: str, *arguments: str) -> None:
    """Run a PostgreSQL client program against this database (the password goes in the
    environment, never on the command line)."""
    database = connection.settings_dict
    variables = {
        "PGHOST": database["HOST"],
        "PGPORT": database["PORT"],
        "PGUSER": database["USER"],
        "PGPASSWORD": database["PASSWORD"],
        "PGDATABASE": database["NAME"],
    }
    for option in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
        variables[f"PG{option.upper()}"] = database["OPTIONS"].get(option)
    env = {**os.environ, **{name: str(value) for name, value in variables.items() if value}}
    command = [client_program(program), *arguments]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(
            f"{program} failed (exit status {result.returncode}): {result.stderr.strip()[-2000:]}"
        )
