"""Where a read-path request spends its CPU, in process (no HTTP server, no wrk). By hand:

    .venv/bin/python bench/profile_read.py [--requests 2000] [--top 30] [--only sessions] [--no-seed]

It seeds the PostgreSQL database `bench_read` the way bench/read_path.py does (unless --no-seed: then the
keys and tokens are the ones the last seeding run kept in the temporary directory), then calls each
read endpoint through Flask's test client with a different volunteer's token each request, and prints
the CPU milliseconds per request of each, and, under cProfile, the functions where the time goes. The
figures are this process alone (PostgreSQL's share is not counted): the part of a request the app can
make cheaper.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import read_path  # noqa: E402
from bench import signup_throughput as base  # noqa: E402

ENDPOINTS = {
    "sessions": f"/api/v1/sessions?{read_path.LIST_QUERY}",
    "needs": f"/api/v1/needs?{read_path.LIST_QUERY}",
    "profile": "/api/v1/volunteers/me",
    "inbox": "/api/v1/inbox",
    "bare": "/bench/bare",
    "signup": "POST /api/v1/sessions/{session}/signups",  # each request a new (volunteer, session) pair
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--only", help="profile only this endpoint (sessions, needs, profile, inbox, bare, signup)")
    parser.add_argument("--sort", default="tottime", help="pstats order: tottime, cumulative, …")
    parser.add_argument("--no-seed", action="store_true", help="reuse bench_read as an earlier run left it")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/3")
    args = parser.parse_args()
    kept = Path(tempfile.gettempdir()) / "bench-profile-read"
    kept.mkdir(exist_ok=True)
    tokens_file, keys_file = kept / "tokens.txt", kept / "keys.json"
    if not args.no_seed:  # new keys for a new database; a --no-seed run reads them back
        keys = {"SECRET_KEY": secrets.token_urlsafe(32), "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode()}
        keys_file.write_text(json.dumps(keys))
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{read_path.DB}",
        "REDIS_URL": args.redis,
        **json.loads(keys_file.read_text()),
    }
    if not args.no_seed:
        subprocess.run(["redis-cli", "-u", args.redis, "flushdb"], check=True, stdout=subprocess.DEVNULL)
        base.fresh_database()
        base.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env)
        base.run([sys.executable, "-c", read_path.SEED, str(tokens_file), "300"], env)
    os.environ.update(env)
    from bench.wsgi_bench import app  # the app as the benchmark serves it (with /bench/bare)

    tokens = tokens_file.read_text().split()
    client = app.test_client()
    with app.app_context():  # the open sessions near the volunteers, for the sign-up row
        from sqlalchemy import text

        from app.extensions import db

        sessions = db.session.scalars(
            text("SELECT id FROM activities WHERE type = 'session' AND status = 'open' ORDER BY id")
        ).all()
    pairs = iter([(token, session) for session in sessions for token in tokens])
    names = [args.only] if args.only else list(ENDPOINTS)
    for name in names:
        url = ENDPOINTS[name]

        def call(i: int, url: str = url) -> None:
            if url.startswith("POST "):
                token, session = next(pairs)
                answer = client.post(url[5:].format(session=session), headers={"Authorization": f"Bearer {token}"})
            else:
                answer = client.get(url, headers={"Authorization": f"Bearer {tokens[i % len(tokens)]}"})
            assert answer.status_code in (200, 201), (url, answer.status_code, answer.get_data(as_text=True)[:300])

        for i in range(200):  # warm: caches, the connection pool, the principal cache
            call(i)
        started = time.process_time()
        for i in range(args.requests):
            call(i)
        plain = (time.process_time() - started) * 1000 / args.requests
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(args.requests):
            call(i)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(f"\n=== {name}: {url}: {plain:.2f} CPU ms a request in this process (without the profiler)")
        print(out.getvalue())


if __name__ == "__main__":
    main()
