"""Benchmark: every page and call on national-size data in PostgreSQL.

    .venv/bin/python bench/national.py --fraction 0.01 --measure [--json] [--explain]
    .venv/bin/python bench/national.py --fraction 0.01,0.1,1 --measure   # with the growth

`--fraction F` is the share of the Netherlands (1 = about 6,000 schools, 1.5 million pupils;
bench/national_data.py says what is generated). Each fraction has a database of its own,
built once (COPY into the migrated schema) and kept; `--rebuild` builds it again. Without
DATABASE_URL the benchmark keeps its own PostgreSQL server under var/bench/postgres (started
again when it is not running), tuned as a production server with 24 GB of memory would be.

`--measure` runs, against each fraction's database, every page and call below with Django's
test client in this process (server time: no network, no browser), as the people of the
showcase school (the same at every fraction): median and p95 over up to 200 calls, and the
number of queries of one call. A trivial view through the same middleware is the baseline.
The retention dry run is a separate process (its time and peak resident memory).
`--explain` prints the plans (EXPLAIN ANALYZE) of the three slowest queries and every
sequential scan over a table of more than 100,000 rows.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER_DIR = ROOT / "var" / "bench" / "postgres"
# Settings of a production server for a database of this size (13 GB at full size) on a
# machine with 24 GB; durability is off because the data is thrown away.
SERVER_OPTIONS = (
    "-c shared_buffers=4GB -c effective_cache_size=16GB -c work_mem=32MB "
    "-c maintenance_work_mem=1GB -c max_wal_size=16GB -c checkpoint_timeout=30min "
    "-c random_page_cost=1.1 -c max_parallel_maintenance_workers=2 -c autovacuum=off"
)
LARGE_TABLE_ROWS = 100_000
CALLS = 200
BUDGET_SECONDS = 12.0  # per measure: stop earlier when the calls are slow


def server_url() -> str:
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return os.environ["DATABASE_URL"]
    script = ROOT / "scripts" / "throwaway-postgres"
    env = {**os.environ, "PG_OPTIONS": SERVER_OPTIONS}
    if (SERVER_DIR / "url").exists():
        action = "resume"
    else:
        SERVER_DIR.mkdir(parents=True, exist_ok=True)
        action = "start"
    out = subprocess.run(
        [str(script), action, str(SERVER_DIR)], env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1]


def database_url(base: str, fraction: float) -> str:
    name = "national_" + f"{fraction:g}".replace(".", "_")
    return base.rsplit("/", 1)[0] + "/" + name


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("CONSENTRY_TESTING", "1")  # the development keys are fine here
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.national_settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# -- building -------------------------------------------------------------------------------


def ensure_database(base: str, url: str, *, fresh: bool = False) -> bool:
    """Create the fraction's database if it is missing (or, `fresh`, anew: a build that
    was cut off leaves its tables without indexes); True when it is new."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(base, autocommit=True) as connection:
        if fresh:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        connection.execute(f'CREATE DATABASE "{name}"')
    return True


def manifest() -> dict | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_manifest')")
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute("SELECT value FROM bench_manifest WHERE key = 'manifest'")
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def build(url: str, fraction: float) -> dict:
    """Migrate, drop the indexes and constraints of the tables we fill, COPY the rows in,
    put the indexes and constraints back, set the sequences, VACUUM ANALYZE."""
    import psycopg
    from django.core.management import call_command
    from django.db import connection

    from bench.national_data import TABLES, Generator

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    connection.close()
    tables = list(TABLES)
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("SET session_replication_role = replica")  # the audit log refuses TRUNCATE
        db.execute("DROP TABLE IF EXISTS bench_manifest")
        db.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        constraints = db.execute(
            """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype
               FROM pg_constraint WHERE contype IN ('p','u','f') AND (conrelid = ANY(%s::regclass[])
               OR (contype = 'f' AND confrelid = ANY(%s::regclass[])))
               ORDER BY contype = 'f'""",
            [tables, tables],
        ).fetchall()
        indexes = db.execute(
            """SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
               WHERE indrelid = ANY(%s::regclass[]) AND NOT EXISTS (SELECT 1 FROM pg_constraint
               WHERE conindid = indexrelid AND contype IN ('p','u'))""",
            [tables],
        ).fetchall()
        for table, name, _definition, _kind in reversed(constraints):
            db.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            db.execute(f"DROP INDEX {name}")
    print(f"  schema ready in {time.monotonic() - started:.0f} s; generating (COPY) ...")
    generated = Generator(url, fraction).run()
    print(f"  rows written in {generated['copy_seconds']:.0f} s; indexes and constraints ...")
    index_started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as db:
        for table, name, definition, kind in constraints:
            if kind != "f":
                db.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for _name, definition in indexes:
            db.execute(definition)
        for table, name, definition, kind in constraints:
            if kind == "f":
                db.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for table in tables:
            db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
            )
        generated["index_seconds"] = round(time.monotonic() - index_started, 1)
        vacuum_started = time.monotonic()
        db.execute("VACUUM ANALYZE")
        generated["vacuum_seconds"] = round(time.monotonic() - vacuum_started, 1)
        generated["fraction"] = fraction
        generated["build_seconds"] = round(time.monotonic() - started, 1)
        size = db.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        generated["database_bytes"] = size
        db.execute("CREATE TABLE bench_manifest (key text PRIMARY KEY, value text)")
        db.execute("INSERT INTO bench_manifest VALUES ('manifest', %s)", [json.dumps(generated)])
    return generated


# -- measuring ------------------------------------------------------------------------------


class Measures:
    def __init__(self, explain: bool):
        self.results: dict[str, dict] = {}
        self.queries: list[tuple[float, str, str]] = []  # (ms, measure, sql)
        self.explain = explain

    def run(self, name: str, call, *, calls: int = CALLS, budget: float = BUDGET_SECONDS) -> None:
        from django.db import connection, reset_queries
        from django.test.utils import CaptureQueriesContext

        for _ in range(3):  # warm caches and connections, as a running server has them
            call()
        with CaptureQueriesContext(connection) as captured:
            call()
        one_call = list(captured.captured_queries)
        reset_queries()
        for query in one_call:
            self.queries.append((float(query["time"]) * 1000, name, query["sql"]))
        times = []
        deadline = time.perf_counter() + budget
        while len(times) < calls and (len(times) < 10 or time.perf_counter() < deadline):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        self.results[name] = {
            "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 2),
            "queries": len(one_call),
            "calls": len(times),
        }
        r = self.results[name]
        print(f"    {name:<34} {r['median_ms']:>9.1f} {r['p95_ms']:>9.1f} {r['queries']:>6}")


def measure_fraction(url: str, fraction: float, explain: bool) -> dict:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from django.db import connection
    from django.test import Client

    from consentry.accounts.models import User
    from consentry.api.models import ApiToken
    from consentry.consent import services as consent
    from consentry.photos.takedowns import publications_no_longer_covered
    from consentry.schools.models import Pupil, School

    info = manifest()
    school = School.objects.get(pk=info["school_id"])
    users = User.objects.in_bulk([info["guardian_id"], info["teacher_id"], info["leadership_id"]])
    guardian, teacher, leadership = (
        users[info[k]] for k in ("guardian_id", "teacher_id", "leadership_id")
    )
    if not Authenticator.objects.filter(user=leadership, type="totp").exists():
        TOTP.activate(leadership, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    child = info["children_ids"][0]
    ApiToken.objects.filter(school=school, name="bench").delete()
    _token, secret = ApiToken.issue(school, "bench")

    def client_for(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    as_guardian, as_teacher, as_leadership = map(client_for, (guardian, teacher, leadership))
    anonymous, api = Client(), Client()

    def get(client, path, status=200):
        def call():
            response = client.get(path)
            assert response.status_code == status, (path, response.status_code)

        return call

    answer = {"value": True}

    def save():
        answer["value"] = not answer["value"]
        response = as_guardian.post(
            f"/pupils/{child}/", {"category_4": "yes" if answer["value"] else "no"}
        )
        assert response.status_code == 302, response.status_code

    def api_check():
        response = api.post(
            "/api/v1/check",
            {"category": 4, "pupil_ids": info["check_pupil_ids"]},
            content_type="application/json",
            headers={"authorization": f"Bearer {secret}"},
        )
        assert response.status_code == 200, response.content

    check_pupils = Pupil.objects.filter(pk__in=info["check_pupil_ids"])
    busy = Pupil.objects.select_related("school").get(pk=info["busy_pupil_id"])

    marks = high_water_marks()
    m = Measures(explain)
    print(f"  fraction {fraction:g}: {info['counts']['schools_pupil']:,} pupils")
    print(f"    {'measure':<34} {'median':>9} {'p95':>9} {'queries':>6}  (ms)")
    m.run("baseline (trivial view)", get(as_guardian, "/bench/trivial/"))
    m.run("guardian: /children/", get(as_guardian, "/children/"))
    m.run("guardian: child page", get(as_guardian, f"/pupils/{child}/"))
    m.run("guardian: history", get(as_guardian, f"/pupils/{child}/history/"))
    m.run("guardian: save one answer (POST)", save)
    m.run("teacher: matrix", get(as_teacher, f"/groups/{info['group_id']}/"))
    m.run("leadership: overview (400 pupils)", get(as_leadership, f"/schools/{school.pk}/"))
    m.run("leaflet page", get(anonymous, f"/schools/{school.pk}/leaflet/"))
    m.run("API: POST /api/v1/check (30)", api_check)
    m.run("consent.check() for 30 pupils", lambda: consent.check(check_pupils, school, 4))
    m.run(
        "take-down lookup (100 publications)",
        lambda: publications_no_longer_covered(busy),
    )
    results = m.results
    forget_since(url, marks)  # the saves above: the next run starts from the same data
    results["retention --dry-run"] = retention_dry_run(url)
    r = results["retention --dry-run"]
    print(f"    {'retention --dry-run':<34} {r['seconds']:>8.1f}s {r['peak_mb']:>7.0f} MB peak")
    if explain:
        explain_slowest(connection, m.queries)
    return {"info": info, "results": results}


# What a measuring run adds: the saves' events, audit entries, mail, jobs, sign-ins.
WRITTEN = {
    "consent_consentevent": "id",
    "audit_auditentry": "sequence",
    "mail_outgoingmail": "id",
    "photos_takedown": "id",
}


def high_water_marks() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        marks = {}
        for table, column in WRITTEN.items():
            cursor.execute(f"SELECT coalesce(max({column}), 0) FROM {table}")
            marks[table] = cursor.fetchone()[0]
    return marks


def forget_since(url: str, marks: dict[str, int]) -> None:
    """Remove the rows this run wrote (the append-only triggers are off for this
    connection), so that repeated runs measure the same data."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        db.execute("SET session_replication_role = replica")
        for table, column in WRITTEN.items():
            db.execute(f"DELETE FROM {table} WHERE {column} > %s", [marks[table]])
        db.execute("DELETE FROM jobs_job")
        db.execute("DELETE FROM django_session")
        if db.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0]:
            db.execute("TRUNCATE procrastinate_events, procrastinate_jobs CASCADE")


def retention_dry_run(url: str) -> dict:
    """The daily job as the scheduler runs it: its own process, time and peak memory."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "consentry.settings",
        "PYTHONPATH": str(ROOT),
    }
    started = time.monotonic()
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "consentry"), "retention", "--dry-run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    lines = 0
    assert process.stdout is not None
    for _line in process.stdout:
        lines += 1
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    return {
        "seconds": round(time.monotonic() - started, 2),
        "peak_mb": round(usage.ru_maxrss / 1024, 1),
        "lines": lines,
    }


def explain_slowest(connection, queries) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' AND reltuples > %s",
            [LARGE_TABLE_ROWS],
        )
        large = {name for name, _rows in cursor.fetchall()}
        seen: set[str] = set()
        plans = []
        for ms, name, sql in sorted(queries, reverse=True):
            if not sql.lstrip().upper().startswith("SELECT") or sql in seen:
                continue
            seen.add(sql)
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0][:300] for row in cursor.fetchall())
            scans = [
                t for t in large if f"Seq Scan on {t} " in plan or f"Seq Scan on {t}\n" in plan
            ]
            plans.append((ms, name, sql, plan, scans))
    print("\n  The three slowest queries:")
    for ms, name, sql, plan, _scans in plans[:3]:
        print(f"\n  -- {name}: {ms:.1f} ms\n  {sql[:600]}\n{plan}")
    scanning = [p for p in plans if p[4]]
    print(
        f"\n  Sequential scans over tables of more than {LARGE_TABLE_ROWS:,} rows: {len(scanning)}"
    )
    for ms, name, sql, plan, scans in scanning:
        print(f"\n  -- {name} ({', '.join(scans)}): {ms:.1f} ms\n  {sql[:600]}\n{plan}")


def print_growth(all_results: dict[float, dict]) -> None:
    fractions = sorted(all_results)
    if len(fractions) < 2:
        return
    first, last = fractions[0], fractions[-1]
    print(f"\n  Growth from {first:g} to {last:g} (median, ms) and ratio to the baseline:")
    header = "".join(f"{f'{f:g}':>10}" for f in fractions)
    print(f"    {'measure':<34}{header}{'growth':>9}{'× base':>9}")
    for name in all_results[first]["results"]:
        rows = [all_results[f]["results"][name] for f in fractions]
        if "median_ms" not in rows[0]:
            cells = "".join(f"{r['seconds']:>9.1f}s" for r in rows)
            print(f"    {name:<34}{cells}{rows[-1]['seconds'] / rows[0]['seconds']:>8.1f}×")
            continue
        cells = "".join(f"{r['median_ms']:>10.1f}" for r in rows)
        growth = rows[-1]["median_ms"] / rows[0]["median_ms"]
        base = all_results[last]["results"]["baseline (trivial view)"]["median_ms"]
        print(f"    {name:<34}{cells}{growth:>8.1f}×{rows[-1]['median_ms'] / base:>8.1f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fraction", default="0.01", help="e.g. 0.01, or 0.01,0.1,1")
    parser.add_argument("--measure", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    fractions = [float(f) for f in args.fraction.split(",")]
    base = server_url()
    all_results: dict[float, dict] = {}
    for fraction in fractions:
        url = database_url(base, fraction)
        new = ensure_database(base, url, fresh=args.rebuild and len(fractions) == 1)
        # Each fraction in a process of its own: Django is set up for one database.
        if len(fractions) > 1:
            command = [sys.executable, __file__, "--fraction", f"{fraction:g}", "--json"]
            command += ["--measure"] * args.measure + ["--explain"] * args.explain
            command += ["--rebuild"] * args.rebuild
            out = subprocess.run(command, check=True, capture_output=True, text=True)
            text, _, data = out.stdout.partition("\n@@JSON@@\n")
            print(text)
            all_results[fraction] = json.loads(data)[f"{fraction:g}"]
            continue
        setup_django(url)
        info = None if (new or args.rebuild) else manifest()
        if info is None:
            if not new:  # a build that was cut off: its tables may have lost their indexes
                from django.db import connections

                connections.close_all()
                ensure_database(base, url, fresh=True)
            print(f"Building fraction {fraction:g} into {url.rsplit('/', 1)[1]} ...")
            info = build(url, fraction)
            print(
                f"  built in {info['build_seconds']:.0f} s "
                f"({info['database_bytes'] / 2**30:.1f} GiB)"
            )
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # the data was built under an older schema?
        if args.measure:
            all_results[fraction] = measure_fraction(url, fraction, args.explain)
        else:
            all_results[fraction] = {"info": manifest(), "results": {}}
    if len(fractions) > 1 and args.measure:
        print_growth(all_results)
    if args.json:
        print("\n@@JSON@@\n" + json.dumps({f"{f:g}": r for f, r in all_results.items()}, indent=1))


if __name__ == "__main__":
    main()
