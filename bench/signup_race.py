"""Many volunteers press 报名 at the same moment for one small session, through gunicorn as configured
for production (config/gunicorn.py, wsgi:app) on PostgreSQL. Run by hand:

    .venv/bin/python bench/signup_race.py [--racers 500] [--seats 30] [--rounds 20]

It creates (and drops first) the database `bench_race` on 127.0.0.1:5432 and seeds `--racers`
volunteers and `--rounds` sessions of `--seats` seats with bench/signup_throughput.py's helpers.
Each round, `--racers` threads (one HTTP connection each) are released by a barrier to sign up for
a fresh session. Per round it checks: exactly `seats` confirmed, the rest waitlisted, positions
exactly 1..N with no duplicates and in the order the signups table recorded (id order: the
app's queue order; created_at is stamped before the seat lock, so it is not arrival order),
the session's seat count, no 5xx and no other errors. It prints a table
and exits non-zero if any round failed.
"""

import argparse
import os
import runpy
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import signup_throughput as base  # noqa: E402

DB = "bench_race"
base.DB = DB  # the helpers (fresh_database, …) read the module's database name


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--racers", type=int, default=500)
    parser.add_argument("--seats", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    production = runpy.run_path(str(ROOT / "config/gunicorn.py"))

    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    }
    env.pop("REDIS_URL", None)
    base.fresh_database()
    base.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env)
    pairs = Path(tempfile.mkdtemp(prefix="bench-race-")) / "pairs.txt"
    base.run([sys.executable, "-c", base.SEED, str(pairs), str(args.racers), str(args.rounds), str(args.seats)], env)
    tokens, sessions = set(), set()
    for line in pairs.read_text().splitlines():
        token, session = line.split()
        tokens.add(token)
        sessions.add(int(session))
    tokens, sessions = sorted(tokens), sorted(sessions)

    port = base.free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            "config/gunicorn.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        base.wait_for(port)
        url = f"http://127.0.0.1:{port}/api/v1"
        requests.get(f"http://127.0.0.1:{port}/livez", timeout=10)  # the workers have loaded the app
        results = []
        for round_no, session_id in enumerate(sessions, 1):
            results.append(check(args, session_id, race(url, session_id, tokens)))
            print(f"round {round_no}: {'OK' if not results[-1]['failures'] else results[-1]['failures']}", flush=True)
    finally:
        server.terminate()
        server.wait(10)
    print_table(args, production, results)
    failed = [i for i, r in enumerate(results, 1) if r["failures"]]
    if failed:
        print(f"\nFAILED rounds: {', '.join(map(str, failed))}")
        for i in failed:
            print(f"  round {i}: {'; '.join(results[i - 1]['failures'])}")
        return 1
    print(f"\nall {len(results)} rounds OK")
    return 0


def race(url: str, session_id: int, tokens: list[str]) -> dict:
    """Every racer on its own connection, released at once; latency from the release to the answer."""
    started = []
    barrier = threading.Barrier(len(tokens), action=lambda: started.append(time.perf_counter()))

    def press(token):
        with requests.Session() as http:
            barrier.wait()
            begin = time.perf_counter()
            try:
                answer = http.post(
                    f"{url}/sessions/{session_id}/signups", headers={"Authorization": f"Bearer {token}"}, timeout=120
                )
            except requests.RequestException as error:
                return None, type(error).__name__, time.perf_counter() - begin, time.perf_counter()
            end = time.perf_counter()
            return answer.status_code, answer.text if answer.status_code != 201 else answer.json(), end - begin, end

    with ThreadPoolExecutor(len(tokens)) as pool:
        answers = list(pool.map(press, tokens))
    return {"answers": answers, "seconds": max(a[3] for a in answers) - started[0]}


def check(args, session_id: int, raced: dict) -> dict:
    answers = raced["answers"]
    ok = [body for status, body, _, _ in answers if status == 201]
    server_errors = sum(1 for status, *_ in answers if status is not None and status >= 500)
    other = len(answers) - len(ok) - server_errors
    confirmed = [b for b in ok if b["status"] == "confirmed"]
    waitlisted = [b for b in ok if b["status"] == "waitlisted"]
    expected = args.racers - args.seats
    failures = []
    if len(confirmed) != args.seats:
        failures.append(f"{len(confirmed)} confirmed")
    if len(waitlisted) != expected:
        failures.append(f"{len(waitlisted)} waitlisted")
    positions = sorted(b["position"] for b in waitlisted)
    if positions != list(range(1, expected + 1)):
        duplicates = len(positions) - len(set(positions))
        failures.append(f"positions not 1..{expected} ({duplicates} duplicates)")
    with psycopg.connect(f"{base.PG}/{DB}") as conn:
        rows = conn.execute(
            "SELECT id, status FROM signups WHERE activity_id = %s AND status <> 'cancelled' ORDER BY id",
            (session_id,),
        ).fetchall()
        taken, state = conn.execute("SELECT taken, status FROM activities WHERE id = %s", (session_id,)).fetchone()
    recorded_queue = [i for i, status in rows if status == "waitlisted"]
    told = {b["id"]: b["position"] for b in waitlisted}
    if [told.get(i) for i in recorded_queue] != list(range(1, len(recorded_queue) + 1)):
        failures.append("positions differ from the recorded queue order")
    if {b["id"] for b in confirmed} != {i for i, status in rows if status == "confirmed"}:
        failures.append("confirmed answers differ from the table")
    if (taken, state) != (args.seats, "filled") or len(rows) != args.racers:
        failures.append(f"session taken={taken} status={state}, {len(rows)} rows")
    if server_errors:
        failures.append(f"{server_errors} 5xx")
    if other:
        samples = {str(body)[:80] for status, body, _, _ in answers if status != 201 and not (status or 0) >= 500}
        failures.append(f"{other} other errors ({' | '.join(sorted(samples)[:3])})")
    latencies = sorted(a[2] for a in answers)
    return {
        "confirmed": len(confirmed),
        "waitlisted": len(waitlisted),
        "positions_ok": not any(f.startswith("positions") for f in failures),
        "server_errors": server_errors,
        "other": other,
        "seconds": raced["seconds"],
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "failures": failures,
    }


def print_table(args, production: dict, results: list[dict]) -> None:
    print(
        f"\nSign-up race — gunicorn {production['workers']} workers × {production['threads']} threads "
        f"({production['worker_class']}), {args.racers} racers (one connection each) for {args.seats} seats, "
        f"{args.rounds} rounds, {os.cpu_count()} cores shared with the client\n"
    )
    print("| round | confirmed | waitlisted | positions 1..N in id order | 5xx | other errors | s | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for i, r in enumerate(results, 1):
        print(
            f"| {i} | {r['confirmed']} | {r['waitlisted']} | {'yes' if r['positions_ok'] else 'NO'} "
            f"| {r['server_errors']} | {r['other']} | {r['seconds']:.2f} | {r['p50']:.0f} | {r['p99']:.0f} |"
        )


if __name__ == "__main__":
    sys.exit(main())
