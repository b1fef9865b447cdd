"""Sign-up throughput through the real HTTP stack (gunicorn + PostgreSQL) beside a bare Flask JSON
endpoint on the same server, in the same run. Run by hand:

    .venv/bin/python bench/signup_throughput.py [--seconds 10] [--connections 64] [--workers N --threads N]
        [--references] [--redis URL | --redis ""] [--cold] [--port N]

It creates (and drops first) the PostgreSQL database `bench_signup` on 127.0.0.1:5432, seeds
volunteers and sessions, starts gunicorn on a loopback port with the production settings
(config/gunicorn.py, which --workers/--threads override), loads it with wrk (Debian package
`wrk`), and prints requests per second, p50/p99 latency and the ratio. The app runs with Redis as
production does (`--redis`, its database emptied first), and each volunteer calls GET /api/v1/me once
before the sign-ups, as the mini-program does on opening (so the caller is kept, core.principals;
`--cold` skips that). Targets (issue 3): sign-up
at least 30 % of the bare endpoint, p99 at most 100 ms at 64 concurrent connections.
"""

import argparse
import os
import re
import runpy
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet
from redis import Redis

ROOT = Path(__file__).resolve().parent.parent
PG = "postgresql://postgres@127.0.0.1:5432"
DB = "bench_signup"
THREADS = 2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: config/gunicorn.py)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: config/gunicorn.py)")
    parser.add_argument(
        "--references", action="store_true", help="also measure two hand-written sign-ups (bench/wsgi_bench.py)"
    )
    parser.add_argument("--volunteers", type=int, default=3000)
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--capacity", type=int, default=400)
    parser.add_argument("--cold", action="store_true", help="no GET /api/v1/me by each volunteer before the sign-ups")
    parser.add_argument("--port", type=int, help="loopback port for gunicorn (default: any free one)")
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/12",
        help='the Redis database the app uses, emptied first (production runs with one); "" for none',
    )
    args = parser.parse_args()
    production = runpy.run_path(str(ROOT / "config/gunicorn.py"))
    args.workers = args.workers or production["workers"]
    args.threads = args.threads or production["threads"]

    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    }
    env.pop("REDIS_URL", None)
    if args.redis:
        env["REDIS_URL"] = args.redis
        Redis.from_url(args.redis).flushdb()
    fresh_database()
    run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env)
    workdir = Path(tempfile.mkdtemp(prefix="bench-signup-"))
    pairs = workdir / "pairs.txt"
    run([sys.executable, "-c", SEED, str(pairs), str(args.volunteers), str(args.sessions), str(args.capacity)], env)

    endpoints = ENDPOINTS
    if args.references:
        env["BENCH_REFERENCES"] = "1"
        endpoints = ENDPOINTS + REFERENCES
        with psycopg.connect(f"{PG}/{DB}", autocommit=True) as conn:
            conn.execute(BENCH_SIGN_UP)

    port = args.port or free_port()
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
            "bench.wsgi_bench:app",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(port)
        base = f"http://127.0.0.1:{port}"
        wrk(base + "/bench/bare", 3, args.connections)  # warm-up
        if not args.cold:
            print(f"warm-up: {warm_up(base, pairs)} volunteers called GET /api/v1/me", flush=True)
        results = {"bare Flask JSON": wrk(base + "/bench/bare", args.seconds, args.connections)}
        checks = {}
        offset = 0
        for name, prefix, suffix in endpoints:
            reset_signups()  # every sign-up run starts from empty sessions
            results[name] = wrk(
                base + "/",
                args.seconds,
                args.connections,
                script=ROOT / "bench/signup.lua",
                extra_env={
                    "PAIRS": str(pairs),
                    "THREADS": str(THREADS),
                    "OFFSET": str(offset),
                    "PREFIX": prefix,
                    "SUFFIX": suffix,
                },
            )
            offset += results[name]["requests"] + 1000
            time.sleep(2)  # requests still queued in gunicorn when wrk stopped finish first
            checks[name] = verify()
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    print_table(args, results, checks)


ENDPOINTS = [("POST /sessions/{id}/signups", "/api/v1/sessions/", "/signups")]
REFERENCES = [
    ("reference: 4 statements, raw psycopg", "/bench/ref/four/", ""),
    ("reference: 1 statement, raw psycopg", "/bench/ref/one/", ""),
]

# The one-statement reference's database function (bench database only): the caller resolved from
# the token inside the database, then the app's own sign_up_for_activity.
BENCH_SIGN_UP = r"""
CREATE FUNCTION bench_sign_up(p_token text, p_activity integer, p_now timestamptz, p_seen timestamptz,
    p_key_prefix text, p_link text, p_fields json, p_confirmed_title text, p_confirmed_body text,
    p_waitlisted_title text, p_waitlisted_body text)
RETURNS TABLE (outcome text, signup_id integer, queue_position integer) LANGUAGE plpgsql AS $$
DECLARE v_user integer; v_volunteer integer;
BEGIN
    SELECT t.user_id, v.id INTO v_user, v_volunteer FROM auth_tokens t JOIN users u ON u.id = t.user_id
      JOIN volunteers v ON v.user_id = t.user_id AND v.withdrawn_at IS NULL
     WHERE t.token_hash = p_token AND t.revoked_at IS NULL AND t.expires_at > p_now AND u.withdrawn_at IS NULL;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'unauthenticated', NULL::integer, NULL::integer; RETURN;
    END IF;
    RETURN QUERY SELECT * FROM sign_up_for_activity(p_activity, v_volunteer, v_user, v_user, p_now, 120, true,
        'self', p_seen, p_key_prefix, p_link, p_fields, p_confirmed_title, p_confirmed_body, p_waitlisted_title,
        p_waitlisted_body);
END $$;
"""


def reset_signups() -> None:
    with psycopg.connect(f"{PG}/{DB}") as conn:  # one transaction
        conn.execute("TRUNCATE signups, messages, audit_log CASCADE")
        conn.execute("UPDATE activities SET taken = 0, status = 'open'")


def fresh_database() -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")


def run(command, env) -> None:
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


SEED = r"""
import random, sys
from datetime import timedelta
from app import create_app
from app.core import auth, clock
from app.core.access import Principal
from app.accounts.models import User, Secretary
from app.activities.models import Activity
from app.extensions import db
from app.regions import operations as regions
from app.volunteers import operations as volunteers
from app.volunteers.schemas import VolunteerIn
from config.catalog import PRIVACY_POLICY_VERSION

path, n_volunteers, n_sessions, capacity = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
app = create_app()
with app.app_context():
    regions.load_official("140000")
    rows, errors = regions.read_csv(["code,name", "140105001,小店街道", "140105001001,小店村"])
    regions.import_rows(rows, errors)
    now = clock.now()
    secretary = User(openid="bench-secretary", created_at=now)
    db.session.add(secretary); db.session.flush()
    db.session.add(Secretary(user_id=secretary.id, village_code="140105001001", appointed_at=now))
    sessions = []
    for i in range(n_sessions):
        start = now + timedelta(days=2 + i)
        activity = Activity(type="session", village_code="140105001001", title=f"压测场次{i}", description="",
                            kind="night_school", topic="skills", starts_at=start, ends_at=start + timedelta(hours=2),
                            capacity=capacity, taken=0, status="open", created_by=secretary.id, created_at=now,
                            updated_at=now, skills=[])
        db.session.add(activity); sessions.append(activity)
    db.session.flush()
    tokens = []
    for i in range(n_volunteers):
        user = User(openid=f"bench-{i}", created_at=now)
        db.session.add(user); db.session.flush()
        volunteers.register(Principal(user_id=user.id), VolunteerIn(
            name="压测志愿者", phone=f"13{i:09d}", home_region="140105001001", areas=["education"],
            consent={"version": PRIVACY_POLICY_VERSION}))
        tokens.append(auth.issue_token(user.id, "miniprogram", timedelta(days=1)))
    db.session.commit()
    pairs = [(t, s.id) for t in tokens for s in sessions]
    random.Random(7).shuffle(pairs)
    with open(path, "w") as out:
        out.writelines(f"{t} {s}\n" for t, s in pairs)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int) -> None:
    """Until the app answers (the socket is bound long before a busy machine has booted the workers)."""
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not start")


def warm_up(base: str, pairs: Path) -> int:
    """Each volunteer calls GET /api/v1/me once, as the mini-program does on opening, before signing up."""
    tokens = sorted({line.split()[0] for line in pairs.read_text().splitlines()})

    def call(token: str) -> int:
        request = urllib.request.Request(base + "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status

    with ThreadPoolExecutor(8) as pool:
        return sum(status == 200 for status in pool.map(call, tokens))


def wrk(url: str, seconds: int, connections: int, script: Path | None = None, extra_env=None) -> dict:
    command = ["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        command += ["-s", str(script)]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, env={**os.environ, **(extra_env or {})}
    ).stdout
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "errors": int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0,
    }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def verify() -> dict:
    with psycopg.connect(f"{PG}/{DB}") as conn:
        over = conn.execute("SELECT count(*) FROM activities WHERE taken > capacity").fetchone()[0]
        mismatched = conn.execute(
            "SELECT count(*) FROM activities a WHERE a.taken <> (SELECT count(*) FROM signups s "
            "WHERE s.activity_id = a.id AND s.status = 'confirmed')"
        ).fetchone()[0]
        signups = conn.execute("SELECT count(*) FROM signups").fetchone()[0]
        messages = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
    return {"overbooked": over, "mismatched": mismatched, "signups": signups, "messages": messages}


def print_table(args, results: dict, checks: dict) -> None:
    print(
        f"\nSign-up throughput — gunicorn {args.workers} workers × {args.threads} threads, "
        f"wrk {THREADS} threads, {args.connections} connections, {args.seconds} s each, "
        f"Redis {args.redis or 'none'}, {'no warm-up' if args.cold else 'each volunteer called /me first'}\n"
    )
    bare = results["bare Flask JSON"]["rps"]
    print("| endpoint | requests | non-2xx | req/s | of bare | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['requests']} | {r['errors']} | {r['rps']:.0f} | {r['rps'] / bare:.1%} "
            f"| {r['p50']:.1f} | {r['p99']:.1f} |"
        )
    signup = results[ENDPOINTS[0][0]]
    print(
        f"\nratio sign-up / bare: {signup['rps'] / bare:.1%} (target ≥ 30 %); "
        f"sign-up p99 {signup['p99']:.1f} ms (target ≤ 100 ms)"
    )
    for name, check in checks.items():
        print(
            f"database after {name}: {check['signups']} sign-ups, {check['messages']} messages, "
            f"{check['overbooked']} overbooked sessions, {check['mismatched']} seat counts out of step"
        )


if __name__ == "__main__":
    main()
