"""Benchmark of the roster import: seconds and peak memory, first import and re-import.

    .venv/bin/python bench/roster_import.py [--skip-memory]

Runs against a temporary SQLite database (DATABASE_URL is set to a file in a temporary
folder, migrated once; every scenario starts from a copy of that empty database) with the
real settings, so invitations are queued as jobs in the database, not sent. Scenarios:

- one school, a generated EDEXML file with 1,000 pupils;
- a board of 20 schools with 500 pupils each, as one OneRoster 1.2 package (with two
  guardians per pupil and a teacher per group) and as 20 EDEXML files;

each imported first into an empty school and then again with 5% of the pupils changed (a
third move group, a third change name, a third leave and are replaced by new pupils).
Time is measured without tracing; peak memory is measured in a second pass with tracemalloc
(Python allocations), and the process's peak resident size (ru_maxrss) is reported too.
"""

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2025, 10, 1)


def setup_django(folder: Path) -> Path:
    database = folder / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("CONSENTRY_TESTING", "1")  # the insecure development key is fine
    os.environ["DJANGO_SETTINGS_MODULE"] = "consentry.settings"
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return database


def fresh_database(database: Path, template: Path) -> None:
    from django.db import connections

    connections.close_all()
    shutil.copyfile(template, database)


def import_files(kind: str, uploads: list, **options) -> dict:
    """Import each upload in turn; return summed pupil counts and the errors."""
    from consentry.roster import services
    from consentry.roster.sync import Options

    total = {"created": 0, "updated": 0, "unchanged": 0, "left": 0}
    errors: list = []
    for upload in uploads:
        roster = services.parse(upload, today=TODAY)
        outcome = services.run(
            roster,
            school=None,
            options=Options(today=TODAY, **options),
            dry_run=False,
            upload=upload,
        )
        errors += outcome.summary["errors"]
        for key in total:
            total[key] += outcome.summary["pupils"][key]
    if errors:
        raise SystemExit(f"import refused: {errors[:3]}")
    return total


def scenarios() -> list[tuple[str, Callable[[], dict], Callable[[], dict]]]:
    """(name, first import, re-import with 5% changes) per scenario."""
    from consentry.roster.services import Upload
    from consentry.schools.models import Board, School
    from tests.roster import builders as b

    def edex_school():
        board = Board.objects.create(name="Bestuur bench")
        School.objects.create(board=board, name="Bench school", brin="99XX")

    pupils = b.generated_pupils(1000)
    one_first = [Upload("edex", "school.xml", data=b.generated_edex(pupils))]
    one_again = [Upload("edex", "school.xml", data=b.generated_edex(b.changed(pupils, 0.05)))]

    board_first = [Upload("oneroster", "board", files=b.board_package(20, 500))]
    board_again = [Upload("oneroster", "board", files=b.board_package(20, 500, share_changed=0.05))]

    def board_edex(share: float) -> list:
        uploads = []
        for s in range(20):
            school_pupils = b.generated_pupils(500, seed=100 + s)
            if share:
                school_pupils = b.changed(school_pupils, share, seed=200 + s)
            data = b.generated_edex(school_pupils, brin=f"{10 + s:02d}ZZ")
            uploads.append(Upload("edex", f"school{s}.xml", data=data))
        return uploads

    edex_first, edex_again = board_edex(0), board_edex(0.05)

    def board_of_schools():
        board = Board.objects.create(name="Stichting bench")
        for s in range(20):
            School.objects.create(board=board, name=f"School {s}", brin=f"{10 + s:02d}ZZ")

    return [
        (
            "EDEXML, 1 school x 1,000 pupils",
            lambda: (edex_school(), import_files("edex", one_first))[1],
            lambda: import_files("edex", one_again),
        ),
        (
            "OneRoster 1.2, board 20 x 500",
            lambda: import_files("oneroster", board_first, create_school=True),
            lambda: import_files("oneroster", board_again),
        ),
        (
            "EDEXML, board 20 files x 500",
            lambda: (board_of_schools(), import_files("edex", edex_first))[1],
            lambda: import_files("edex", edex_again),
        ),
    ]


def measure(step: Callable[[], dict], trace: bool) -> tuple[float, float | None, dict]:
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    counts = step()
    seconds = time.perf_counter() - start
    peak = None
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return seconds, peak, counts


def run_pass(database: Path, template: Path, trace: bool) -> list[tuple]:
    rows = []
    for name, first, again in scenarios():
        fresh_database(database, template)
        for label, step in (("first import", first), ("re-import, 5% changed", again)):
            seconds, peak, counts = measure(step, trace)
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            rows.append((name, label, seconds, peak, rss, counts))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--skip-memory", action="store_true", help="skip the second pass that traces memory"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="consentry-bench-") as folder:
        database = setup_django(Path(folder))
        template = Path(folder) / "empty.sqlite3"
        from django.db import connections

        connections.close_all()
        shutil.copyfile(database, template)
        timed = run_pass(database, template, trace=False)
        traced = [] if args.skip_memory else run_pass(database, template, trace=True)
    print_table(timed, traced)


def print_table(timed: list[tuple], traced: list[tuple]) -> None:
    header = (
        f"{'scenario':33} {'step':22} {'seconds':>8} {'peak MiB':>9} {'maxrss MiB':>10}"
        f"  pupils created/updated/unchanged/left"
    )
    print(header)
    print("-" * len(header))
    for i, (name, label, seconds, _peak, rss, counts) in enumerate(timed):
        peak = f"{traced[i][3]:9.1f}" if traced else f"{'-':>9}"
        c = counts
        print(
            f"{name:33} {label:22} {seconds:8.2f} {peak} {rss:10.0f}  "
            f"{c['created']}/{c['updated']}/{c['unchanged']}/{c['left']}"
        )
    print(
        "\nseconds: without tracing. peak MiB: tracemalloc peak of Python allocations during "
        "the step (second pass). maxrss: the process's peak resident size so far."
    )


if __name__ == "__main__":
    main()
