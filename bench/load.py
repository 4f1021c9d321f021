"""Load test: the production server (`consentry serve`) on the national-size database.

    .venv/bin/python bench/load.py [--fraction 1] [--rates 25,50,100] [--seconds 30] [--json]

Builds (or reuses) the database of bench/national.py for the fraction, starts `consentry
serve` on 127.0.0.1 against it (gunicorn, CONSENTRY_WEB_PROCESSES and _THREADS as set, one
per core and 4 by default; persistent database connections), and sends a steady rate of
requests with `hey` (Debian's package: apt-get install hey), one stream per kind of request,
all at once, for each total rate in turn:

- a guardian's /children/ page (a quarter of the requests),
- that guardian saving an answer (a quarter: half yes, half no, so most saves change it),
- a teacher's matrix of a group of 25 (a quarter),
- the API's check of 30 pupils with a school's token (a quarter).

It prints, per rate, the requests per second reached, p50/p95/p99 of every response (ms,
as the client on loopback sees it) and the errors (anything but 200 for pages and the API,
302 for a save); per kind of request too. The rows the saves wrote are removed afterwards.
Everything runs on this machine (server, database and load generator share the cores).
"""

import argparse
import csv
import io
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import national  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sessions(info: dict) -> dict:
    """Signed-in sessions for the guardian and the teacher, a CSRF token and an API token."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from consentry.accounts.models import User
    from consentry.api.models import ApiToken
    from consentry.schools.models import School

    def session_for(user_id: int) -> str:
        user = User.objects.get(pk=user_id)
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.set_expiry(3600)
        store.create()
        return store.session_key

    school = School.objects.get(pk=info["school_id"])
    ApiToken.objects.filter(school=school, name="load").delete()
    _row, api_token = ApiToken.issue(school, "load")
    return {
        "guardian": session_for(info["guardian_id"]),
        "teacher": session_for(info["teacher_id"]),
        "csrf": secrets.token_hex(16),  # 32 characters: the unmasked form Django accepts
        "api": api_token,
    }


def streams(base: str, info: dict, keys: dict, rate: float) -> list[tuple[str, float, list]]:
    """(name, requests per second, hey arguments) per stream."""
    guardian = f"sessionid={keys['guardian']}; csrftoken={keys['csrf']}"
    teacher = f"sessionid={keys['teacher']}"
    child = info["children_ids"][0]
    api_body = json.dumps({"category": 4, "pupil_ids": info["check_pupil_ids"]})

    form = "application/x-www-form-urlencoded"

    def save(answer: str) -> list:
        body = f"csrfmiddlewaretoken={keys['csrf']}&category_4={answer}"
        return ["-m", "POST", "-H", f"Cookie: {guardian}", "-T", form, "-d", body,
                f"{base}/pupils/{child}/"]  # fmt: skip

    matrix = f"{base}/groups/{info['group_id']}/"
    check = ["-m", "POST", "-H", f"Authorization: Bearer {keys['api']}",
             "-T", "application/json", "-d", api_body, f"{base}/api/v1/check"]  # fmt: skip
    return [
        ("guardian: /children/", rate / 4, ["-H", f"Cookie: {guardian}", f"{base}/children/"]),
        ("guardian: save (yes)", rate / 8, save("yes")),
        ("guardian: save (no)", rate / 8, save("no")),
        ("teacher: matrix", rate / 4, ["-H", f"Cookie: {teacher}", matrix]),
        ("API: check (30)", rate / 4, check),
    ]


WORKERS_PER_STREAM = 4


def run_level(base: str, info: dict, keys: dict, rate: float, seconds: int) -> dict:
    processes = []
    for name, stream_rate, args in streams(base, info, keys, rate):
        per_worker = stream_rate / WORKERS_PER_STREAM
        command = ["hey", "-z", f"{seconds}s", "-c", str(WORKERS_PER_STREAM),
                   "-q", f"{per_worker:.3f}", "-o", "csv", "-disable-redirects", *args]  # fmt: skip
        processes.append((name, subprocess.Popen(command, stdout=subprocess.PIPE, text=True)))
    per_stream = {}
    for name, process in processes:
        out, _ = process.communicate()
        rows = list(csv.DictReader(io.StringIO(out)))
        expected = "302" if "save" in name else "200"
        per_stream[name] = {
            "ms": [float(r["response-time"]) * 1000 for r in rows],
            "errors": sum(1 for r in rows if r["status-code"] != expected),
        }
    everything = [ms for stream in per_stream.values() for ms in stream["ms"]]

    def summary(times: list[float], errors: int) -> dict:
        times = sorted(times)
        if not times:
            return {"requests": 0, "errors": errors}

        def pct(p: float) -> float:
            return round(times[min(len(times) - 1, int(len(times) * p))], 1)

        return {
            "requests": len(times),
            "per_second": round(len(times) / seconds, 1),
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "errors": errors,
        }

    return {
        "all": summary(everything, sum(s["errors"] for s in per_stream.values())),
        "streams": {name: summary(s["ms"], s["errors"]) for name, s in per_stream.items()},
    }


def wait_until_up(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("consentry serve did not answer /healthz in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fraction", type=float, default=1.0)
    parser.add_argument("--rates", default="25,50,100")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    base_url = national.server_url()
    url = national.database_url(base_url, args.fraction)
    if national.ensure_database(base_url, url):
        raise SystemExit(f"Build the data first: bench/national.py --fraction {args.fraction:g}")
    # The server and this process sign sessions with the same key.
    os.environ["CONSENTRY_SECRET_KEY"] = secrets.token_urlsafe(50)
    national.setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    info = national.manifest()
    keys = sessions(info)
    marks = national.high_water_marks()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = ROOT / "var" / "bench" / "serve"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "consentry.settings",
        "CONSENTRY_DATA_DIR": str(data_dir),
        "CONSENTRY_DB_CONN_MAX_AGE": "60",
        "CONSENTRY_CACHE": "database",
        "PYTHONPATH": str(ROOT),
    }
    for name in ("CONSENTRY_TESTING", "CONSENTRY_DEMO", "CONSENTRY_DEBUG"):
        env.pop(name, None)
    env.setdefault("CONSENTRY_MASTER_KEY", "Y29uc2VudHJ5LWJlbmNoLW1hc3Rlci1rZXktMzJieXQ=")
    call_command("createcachetable", verbosity=0)
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "consentry"), "serve", "--bind", f"127.0.0.1:{port}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    results = {}
    try:
        wait_until_up(base)
        run_level(base, info, keys, 10, 5)  # warm up: every process has loaded everything
        print(f"consentry serve on {base}, {info['counts']['schools_pupil']:,} pupils")
        header = f"{'rate':>5} {'reached':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'errors':>7}"
        print(f"  {header}  (ms)")
        for rate in [float(r) for r in args.rates.split(",")]:
            level = run_level(base, info, keys, rate, args.seconds)
            results[f"{rate:g}"] = level
            a = level["all"]
            print(f"  {rate:>5g} {a['per_second']:>8} {a['p50_ms']:>7} {a['p95_ms']:>7} "
                  f"{a['p99_ms']:>7} {a['errors']:>7}")  # fmt: skip
            for name, s in level["streams"].items():
                print(f"        {name:<24} p50 {s.get('p50_ms')} p95 {s.get('p95_ms')} "
                      f"p99 {s.get('p99_ms')} errors {s['errors']}")  # fmt: skip
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        national.forget_since(url, marks)
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
