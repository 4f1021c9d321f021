"""Load test: the production server (`consentry serve`) on the national-size database.

    .venv/bin/python bench/load.py [--fraction 1] [--rates 25,50,100] [--seconds 30] [--json]

Uses the database of bench/national.py for the fraction (build it first), starts `consentry
serve` on 127.0.0.1 against it (gunicorn with CONSENTRY_WEB_PROCESSES and _THREADS as set:
one process per core and 4 threads by default; persistent database connections; the shared
database cache) and sends a steady rate of requests from this process, open loop: request i
leaves at i / rate seconds whether or not the ones before it were answered, as people arrive,
each on a connection of its own. The kinds take turns, a quarter each:

- a guardian's /children/ page,
- a guardian saving an answer (200 families of the school in turn, each alternating yes and
  no, so each save changes it),
- a teacher's matrix of their group of 25 (the school's 16 teachers in turn),
- the API's check of 30 pupils with the school's token.

It prints, per total rate, the rate reached, p50/p95/p99 of the whole answer as the client
on loopback sees it (ms) and the errors (anything but 200 for pages and the API, 302 for a
save, or no answer within 10 s), also per kind. The rows the saves wrote are removed
afterwards. Everything runs on this machine: server, PostgreSQL and the load share the cores.
"""

import argparse
import asyncio
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import national  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


FAMILIES = 200  # guardians of the showcase school, each saving now and then


def people(info: dict) -> dict:
    """Signed-in sessions for FAMILIES guardians (each with a child to answer for) and for the
    school's teachers (each with a group), a CSRF token and an API token. Real traffic comes
    from many families: one guardian saving a hundred times a minute would only measure a
    history that no family has."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from consentry.accounts.models import User
    from consentry.api.models import ApiToken
    from consentry.schools.models import Guardianship, School, StaffRole

    def session_for(user: User) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.set_expiry(3600)
        store.create()
        return store.session_key

    school = School.objects.get(pk=info["school_id"])
    families = {}
    for link in (
        Guardianship.objects.filter(pupil__school=school, has_parental_authority=True)
        .select_related("guardian")
        .order_by("pupil_id")
    ):
        families.setdefault(link.guardian_id, (link.guardian, link.pupil_id))
    guardians = [(session_for(user), pupil) for user, pupil in list(families.values())[:FAMILIES]]
    teachers = [
        (session_for(role.user), group.pk)
        for role in StaffRole.objects.filter(school=school, role="teacher").select_related("user")
        for group in role.groups.all()
    ]
    ApiToken.objects.filter(school=school, name="load").delete()
    _row, api_token = ApiToken.issue(school, "load")
    return {
        "guardians": guardians,
        "teachers": teachers,
        "csrf": secrets.token_hex(16),  # 32 characters: the unmasked form Django accepts
        "api": api_token,
    }


@dataclass(frozen=True)
class Kind:
    name: str
    method: str
    path: str
    headers: dict
    body: bytes
    expected: int


def requests(info: dict, keys: dict, count: int) -> list[Kind]:
    """`count` requests in the order they leave, the kinds taking turns (a quarter each),
    the families and teachers too; a family's saves alternate yes and no, so each changes
    their answer."""
    csrf = keys["csrf"]
    api = {"Authorization": f"Bearer {keys['api']}", "Content-Type": "application/json"}
    check = json.dumps({"category": 4, "pupil_ids": info["check_pupil_ids"]}).encode()
    out = []
    for i in range(count):
        session, child = keys["guardians"][(i // 4) % len(keys["guardians"])]
        cookie = {"Cookie": f"sessionid={session}; csrftoken={csrf}"}
        turn = i % 4
        if turn == 0:
            out.append(Kind("guardian: /children/", "GET", "/children/", cookie, b"", 200))
        elif turn == 1:
            answer = "yes" if (i // (4 * len(keys["guardians"]))) % 2 else "no"
            body = f"csrfmiddlewaretoken={csrf}&category_4={answer}".encode()
            form = {**cookie, "Content-Type": "application/x-www-form-urlencoded"}
            out.append(Kind("guardian: save", "POST", f"/pupils/{child}/", form, body, 302))
        elif turn == 2:
            teacher, group = keys["teachers"][(i // 4) % len(keys["teachers"])]
            headers = {"Cookie": f"sessionid={teacher}"}
            out.append(Kind("teacher: matrix", "GET", f"/groups/{group}/", headers, b"", 200))
        else:
            out.append(Kind("API: check (30)", "POST", "/api/v1/check", api, check, 200))
    return out


async def send(port: int, kind: Kind) -> tuple[float, int]:
    """One request; (milliseconds until the whole answer came, its status), status 0 when it
    failed or took longer than ten seconds."""
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
        head = [f"{kind.method} {kind.path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
        head += [f"{name}: {value}" for name, value in kind.headers.items()]
        head.append(f"Content-Length: {len(kind.body)}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + kind.body)
        answer = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    except (OSError, TimeoutError, ValueError, IndexError):
        status = 0
    return (time.perf_counter() - started) * 1000, status


async def steady(port: int, planned: list[Kind], rate: float) -> list[tuple]:
    start = time.perf_counter()
    pending = []
    for i, kind in enumerate(planned):
        await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
        pending.append((kind, asyncio.create_task(send(port, kind))))
    return [(kind, *(await task)) for kind, task in pending]


def summary(times: list[float], errors: int, seconds: float) -> dict:
    times = sorted(times)

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


def run_level(port: int, info: dict, keys: dict, rate: float, seconds: int) -> dict:
    planned = requests(info, keys, int(rate * seconds))
    started = time.perf_counter()
    results = asyncio.run(steady(port, planned, rate))
    elapsed = time.perf_counter() - started
    by_kind: dict[str, list[tuple[float, bool]]] = {}
    for kind, ms, status in results:
        by_kind.setdefault(kind.name, []).append((ms, status != kind.expected))
    failed = sum(1 for kind, _ms, status in results if status != kind.expected)
    return {
        "all": summary([ms for _kind, ms, _status in results], failed, elapsed),
        "kinds": {
            name: summary([ms for ms, _e in rows], sum(e for _ms, e in rows), elapsed)
            for name, rows in by_kind.items()
        },
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
    marks = national.high_water_marks()
    keys = people(info)

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
    env.setdefault("CONSENTRY_AUDIT_KEY", "Y29uc2VudHJ5LWJlbmNoLWF1ZGl0LWtleS0zMmJ5dGU=")
    call_command("createcachetable", verbosity=0)
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "consentry"), "serve", "--bind", f"127.0.0.1:{port}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    results = {}
    try:
        wait_until_up(base)
        run_level(port, info, keys, 10, 5)  # warm up: every process has loaded everything
        print(f"consentry serve on {base}, {info['counts']['schools_pupil']:,} pupils")
        header = f"{'rate':>5} {'reached':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'errors':>7}"
        print(f"  {header}  (ms)")
        for rate in [float(r) for r in args.rates.split(",")]:
            level = run_level(port, info, keys, rate, args.seconds)
            results[f"{rate:g}"] = level
            a = level["all"]
            print(f"  {rate:>5g} {a['per_second']:>8} {a['p50_ms']:>7} {a['p95_ms']:>7} "
                  f"{a['p99_ms']:>7} {a['errors']:>7}")  # fmt: skip
            for name, s in level["kinds"].items():
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
