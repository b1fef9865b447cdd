"""The read path volunteers use most, through the real HTTP stack, beside its floor, in one run. By hand:

    .venv/bin/python bench/read_path.py [--seconds 10] [--connections 64] [--workers N --threads N]

It creates (and drops first) the PostgreSQL database `bench_read` on 127.0.0.1:5432, seeds a county
(小店区, 140105) with 45 open sessions and 45 open needs among others elsewhere, and volunteers with
25 inbox messages each; starts the app (bench/wsgi_bench.py, with Redis at --redis) and the floor
(bench/read_floor.py: one raw SELECT and json.dumps per request, no ORM or schema layer) with the
production gunicorn settings (config/gunicorn.py; --workers/--threads override) on two loopback ports;
loads each endpoint with wrk (Debian package `wrk`; bench/read.lua sends a different volunteer's token
with every request), and prints requests per second, p50/p99 and the ratio to the floor's same rows.

Rows: GET /sessions?region=140105&limit=50 and GET /needs?… (the lists near a volunteer), GET
/volunteers/me (the profile), GET /inbox (20 newest); each list also without a token (no identity
lookup: what the app costs above the floor's one SELECT once the caller is known for free) and
revalidated (If-None-Match with the list's ETag: a 304). Targets (issue 14): every list ≥ 50 % of its
floor, p99 ≤ 150 ms at 64 connections.
"""

import argparse
import os
import runpy
import secrets
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import signup_throughput as base  # noqa: E402  (fresh_database, wrk, wait_for, …)

DB = "bench_read"
base.DB = DB  # the helpers read the module's database name
REGION = "140105"
LIST_QUERY = f"region={REGION}&limit=50"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: config/gunicorn.py)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: config/gunicorn.py)")
    parser.add_argument("--volunteers", type=int, default=300)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--port", type=int, default=8250, help="the app's port; the floor's is the next one")
    parser.add_argument("--only", help="measure only rows whose name contains this")
    parser.add_argument(
        "--rounds", type=int, default=1, help="measure every row this many times, interleaved; the median is shown"
    )
    args = parser.parse_args()
    production = runpy.run_path(str(ROOT / "config/gunicorn.py"))
    args.workers = args.workers or production["workers"]
    args.threads = args.threads or production["threads"]

    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}",
        "REDIS_URL": args.redis,
        # Given ones are kept (to profile the seeded database afterwards with the same keys).
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(32),
        "FIELD_ENCRYPTION_KEY": os.environ.get("FIELD_ENCRYPTION_KEY") or Fernet.generate_key().decode(),
    }
    subprocess.run(["redis-cli", "-u", args.redis, "flushdb"], check=True, stdout=subprocess.DEVNULL)
    base.fresh_database()
    base.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env)
    workdir = Path(tempfile.mkdtemp(prefix="bench-read-"))
    tokens = workdir / "tokens.txt"
    base.run([sys.executable, "-c", SEED, str(tokens), str(args.volunteers)], env)
    app, floor = f"http://127.0.0.1:{args.port}", f"http://127.0.0.1:{args.port + 1}"
    results: dict[str, dict] = {}
    log = workdir / "gunicorn.log"  # the app's own access lines (one a request) and any error
    with (
        serve("bench.wsgi_bench:app", args.port, args, env, log, f"{app}/bench/bare") as app_pids,
        serve("bench.read_floor:app", args.port + 1, args, env, log, f"{floor}/floor/bare") as floor_pids,
    ):
        token = tokens.read_text().split()[0]
        runs: dict[str, list[dict]] = {}
        for round_ in range(args.rounds):
            for name, url, use_tokens, etag_of in rows(app, floor):
                if args.only and args.only not in name and "bare" not in name:
                    continue
                parts = urlsplit(url)
                extra = {"PATH_": f"{parts.path}?{parts.query}", "TOKENS": str(tokens) if use_tokens else ""}
                if etag_of:
                    answer = requests.get(etag_of, headers={"Authorization": f"Bearer {token}"}, timeout=10)
                    extra["ETAG"] = answer.headers.get("ETag", "")
                if round_ == 0:  # warm-up
                    base.wrk(url, 2, args.connections, script=ROOT / "bench/read.lua", extra_env=extra)
                pids = floor_pids if url.startswith(floor) else app_pids
                before = cpu_seconds(pids)
                run = base.wrk(url, args.seconds, args.connections, script=ROOT / "bench/read.lua", extra_env=extra)
                run["cpu_ms"] = (cpu_seconds(pids) - before) * 1000 / max(run["requests"], 1)
                runs.setdefault(name, []).append(run)
        results = {name: median(found) for name, found in runs.items()}
    print_table(args, results)
    print(f"gunicorn's log: {log}")


def rows(app: str, floor: str) -> list[tuple[str, str, bool, str | None]]:
    """(name, url, send tokens, ETag from this url): the floor's row before the app's rows it is the floor of."""
    sessions, needs = f"{app}/api/v1/sessions?{LIST_QUERY}", f"{app}/api/v1/needs?{LIST_QUERY}"
    return [
        ("bare Flask JSON (the app)", f"{app}/bench/bare", False, None),
        ("bare Flask JSON (plain Flask)", f"{floor}/floor/bare", False, None),
        ("floor: sessions", f"{floor}/floor/sessions?region={REGION}", False, None),
        ("GET /sessions", sessions, True, None),
        ("GET /sessions, no token", sessions, False, None),
        ("GET /sessions, If-None-Match (304)", sessions, True, sessions),
        ("floor: needs", f"{floor}/floor/needs?region={REGION}", False, None),
        ("GET /needs", needs, True, None),
        ("GET /needs, no token", needs, False, None),
        ("GET /needs, If-None-Match (304)", needs, True, needs),
        ("floor: profile", f"{floor}/floor/profile", True, None),
        ("GET /volunteers/me", f"{app}/api/v1/volunteers/me", True, None),
        ("floor: inbox", f"{floor}/floor/inbox", True, None),
        ("GET /inbox", f"{app}/api/v1/inbox", True, None),
    ]


@contextmanager
def serve(wsgi: str, port: int, args, env, log: Path, probe: str):
    """gunicorn with the production settings serving `wsgi`; yields a callable listing the pids whose CPU
    time a request costs (the server's processes and the PostgreSQL backends of the bench database)."""
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            "config/gunicorn.py",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
            wsgi,
        ],
        cwd=ROOT,
        env=env,
        stderr=log.open("a"),
    )
    try:
        deadline = time.time() + 120
        while True:  # the port opens before the workers have loaded the app
            try:
                if requests.get(probe, timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.time() > deadline:
                raise RuntimeError(f"gunicorn did not answer {probe}")
            time.sleep(0.5)
        time.sleep(2)  # the other workers too
        yield lambda: [*descendants(server.pid), *backends()]
    finally:
        server.terminate()
        try:
            server.wait(40)  # the graceful timeout: requests wrk left queued finish first
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, pending = [], [pid]
    while pending:
        found.append(pending.pop())
        pending.extend(children.get(found[-1], []))
    return found


def backends() -> list[int]:
    """PostgreSQL's server processes for the bench database (the floor's and the app's alike)."""
    with psycopg.connect(f"{base.PG}/postgres", autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (DB,)).fetchall()
    return [pid for (pid,) in rows]


def cpu_seconds(pids) -> float:
    """User and system CPU time of the processes (a worker that exits meanwhile is not counted)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def median(runs: list[dict]) -> dict:
    """The run of median throughput (its latencies with it)."""
    return sorted(runs, key=lambda run: run["rps"])[len(runs) // 2]


SEED = r"""
import sys
from datetime import timedelta
from sqlalchemy import select
from app import create_app
from app.core import auth, clock
from app.core.access import Principal
from app.accounts.models import User, Secretary
from app.activities.models import Activity
from app.extensions import db
from app.notify.models import Message
from app.programs.models import Program
from app.regions import operations as regions
from app.volunteers import operations as volunteers
from app.volunteers.schemas import VolunteerIn
from config.catalog import PRIVACY_POLICY_VERSION

path, n_volunteers = sys.argv[1], int(sys.argv[2])
VILLAGES = [f"14010500100{i}" for i in range(1, 6)]
ELSEWHERE = "140106001001"
app = create_app()
with app.app_context():
    regions.load_official("140000")
    lines = ["code,name", "140105001,小店街道", "140106001,迎泽街道", f"{ELSEWHERE},迎泽村"]
    lines += [f"{code},小店{i}村" for i, code in enumerate(VILLAGES, 1)]
    rows, errors = regions.read_csv(lines)
    regions.import_rows(rows, errors)
    now = clock.now()
    secretary = User(openid="bench-secretary", created_at=now)
    db.session.add(secretary); db.session.flush()
    db.session.add(Secretary(user_id=secretary.id, village_code=VILLAGES[0], appointed_at=now))
    programs = list(db.session.scalars(select(Program.id)))
    kinds = [("night_school", "skills"), ("lecture_hall", "law"), ("night_school", "culture")]

    def activity(type_, i, village, status):
        start = now + timedelta(days=1 + i % 30, hours=i % 7)
        fields = dict(type=type_, village_code=village, title=f"压测{'场次' if type_ == 'session' else '需求'}{i}",
                      description="为村里的孩子和老人服务，欢迎报名。" * 3, starts_at=start,
                      ends_at=start + timedelta(hours=2), capacity=30, taken=i % 30, status=status,
                      created_by=secretary.id, created_at=now, updated_at=now,
                      program_id=programs[i % len(programs)] if programs and i % 3 == 0 else None)
        if type_ == "session":
            fields.update(kind=kinds[i % 3][0], topic=kinds[i % 3][1], skills=[])
        else:
            fields.update(area="education", skills=["辅导作业", "普通话"], reviewed_by=secretary.id, reviewed_at=now)
        return Activity(**fields)

    for type_ in ("session", "need"):
        for i in range(45):  # the list near the volunteers
            db.session.add(activity(type_, i, VILLAGES[i % 5], "open"))
        for i in range(45, 60):  # in the county, not listed for volunteers
            db.session.add(activity(type_, i, VILLAGES[i % 5], "done" if i % 2 else "cancelled"))
        for i in range(60, 160):  # elsewhere
            db.session.add(activity(type_, i, ELSEWHERE, "open"))
    db.session.flush()
    tokens = []
    for i in range(n_volunteers):
        user = User(openid=f"bench-{i}", created_at=now)
        db.session.add(user); db.session.flush()
        volunteers.register(Principal(user_id=user.id), VolunteerIn(
            name="压测志愿者", phone=f"13{i:09d}", home_region=VILLAGES[i % 5], areas=["education", "culture"],
            skills=["普通话"], consent={"version": PRIVACY_POLICY_VERSION}))
        tokens.append(auth.issue_token(user.id, "miniprogram", timedelta(days=1)))
        for j in range(25):
            db.session.add(Message(user_id=user.id, purpose="notice", key=f"bench:{i}:{j}", title="报名成功",
                                   body=f"你已报名压测场次{j}，请准时参加。", link=f"session:{j}", fields={},
                                   created_at=now - timedelta(hours=j), read_at=now if j > 4 else None,
                                   delivery="none"))
    db.session.commit()
    with open(path, "w") as out:
        out.writelines(f"{t}\n" for t in tokens)
"""


def print_table(args, results: dict) -> None:
    print(
        f"\nRead path — gunicorn {args.workers} workers × {args.threads} threads (app and floor alike), "
        f"PostgreSQL + Redis, wrk {base.THREADS} threads, {args.connections} connections, {args.seconds} s each, "
        f"median of {args.rounds} interleaved round(s)\n"
    )
    print(
        "| endpoint | requests | non-2xx/3xx | req/s | of its floor | p50 ms | p99 ms "
        "| CPU ms/request (server + PostgreSQL) | of its floor, by CPU |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    floor = None
    for name, r in results.items():
        if name.startswith(("floor", "bare")):
            floor = r if name.startswith("floor") else None
            ratio = by_cpu = ""
        else:
            ratio = f"{r['rps'] / floor['rps']:.0%}" if floor else ""
            by_cpu = f"{floor['cpu_ms'] / r['cpu_ms']:.0%}" if floor and r["cpu_ms"] else ""
        print(
            f"| {name} | {r['requests']} | {r['errors']} | {r['rps']:.0f} | {ratio} | {r['p50']:.1f} | {r['p99']:.1f} "
            f"| {r['cpu_ms']:.2f} | {by_cpu} |"
        )
    print(
        '\nTargets: every list ≥ 50 % of its floor, p99 ≤ 150 ms. "of its floor, by CPU": the floor\'s CPU time per '
        "request over the row's, a ratio that other load on the machine disturbs less than req/s."
    )


if __name__ == "__main__":
    main()
