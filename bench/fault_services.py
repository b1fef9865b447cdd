"""Redis and PostgreSQL go away under a running service, run by hand; prints one table.

    .venv/bin/python bench/fault_services.py [--outage 15]

Everything it stops is its own: a private PostgreSQL cluster (initdb into a temporary folder, port
5439, as the postgres user) and a private redis-server (port 6391), beside the fake WeChat on
loopback; gunicorn as production runs it (config/gunicorn.py, 2 workers) and `python -m bots`.
Phases, each probed by a client calling GET /api/v1/me (the database), POST /auth/wechat-login
(rate-limited: Redis) and GET /readyz about 20 times a second:

1. baseline;
2. Redis killed: the API keeps serving (rate limits fall back to in-process counters), /readyz says 503,
   a broadcast posted meanwhile is refused with a clear 503 (its content check needs the WeChat token,
   kept in Redis) or accepted; Redis restarted empty: the bot retakes its lease, pushes
   resume, and every message of the broadcast ends delivered (sent or inbox only), none lost;
3. PostgreSQL stopped: requests answer 503 database_unavailable (never another 5xx), and after it is
   started again they answer 200 without restarting the app: seconds to the first 200.
"""

import argparse
import contextlib
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.services import PrivatePostgres, PrivateRedis, V, flask, service_env  # noqa: E402  (after the path)
from tests.fake_wechat import FakeWeChat  # noqa: E402

PG_PORT, REDIS_PORT, WEB_PORT = 5439, 6391, 5097
BASE = f"http://127.0.0.1:{WEB_PORT}"


class Probe(threading.Thread):
    """Calls the three endpoints in turn; counts answers per phase and notes when each last answered."""

    def __init__(self, token: str):
        super().__init__(daemon=True)
        self.token = token
        self.phase = "baseline"
        self.counts: dict[str, Counter] = {}
        self.first_ok_after: dict[str, float] = {}
        self.stopping = threading.Event()
        self.codes = 0

    def run(self) -> None:
        session = requests.Session()
        while not self.stopping.is_set():
            for kind, call in (("me", self._me), ("login", self._login), ("readyz", self._ready)):
                try:
                    status = call(session).status_code
                except requests.RequestException:
                    status = 0
                counts = self.counts.setdefault(self.phase, Counter())
                counts[f"{kind} {status}"] += 1
                if kind == "me" and status == 200:
                    self.first_ok_after.setdefault(self.phase, time.monotonic())
            time.sleep(0.05)

    def _me(self, session):
        return session.get(f"{BASE}/api/v1/me", headers={"Authorization": f"Bearer {self.token}"}, timeout=5)

    def _login(self, session):
        self.codes += 1
        return session.post(f"{BASE}/api/v1/auth/wechat-login", json={"code": f"probe-{self.codes}"}, timeout=5)

    def _ready(self, session):
        return session.get(f"{BASE}/readyz", timeout=5)


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def _broken(status: int) -> bool:
    """No answer at all, or a server error other than the clear 503."""
    return status == 0 or (status >= 500 and status != 503)


def outbox(database_url: str) -> Counter:
    with psycopg.connect(database_url.replace("+psycopg", "")) as connection:
        rows = connection.execute("SELECT delivery, count(*) FROM messages WHERE purpose = 'broadcast' GROUP BY 1")
        return Counter(dict(rows.fetchall()))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--outage", type=float, default=15, help="seconds each service stays away")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="fault-services-"))
    postgres, redis = PrivatePostgres(folder, PG_PORT), PrivateRedis(REDIS_PORT)
    postgres.start()
    redis.start()
    fake = FakeWeChat()
    database_url = postgres.url
    env = service_env(
        database_url, redis.url, fake.url, PORT=str(WEB_PORT), WEB_CONCURRENCY="2", SEND_RATE_PER_SECOND="50"
    )
    processes: list[subprocess.Popen] = []
    log = open(folder / "processes.log", "w")  # noqa: SIM115 — shared by the processes until the end
    try:
        flask(env, "db", "upgrade")
        flask(env, "seed-demo", "--volunteers", "200")
        for command in ([V / "gunicorn", "-c", "config/gunicorn.py", "wsgi:app"], [V / "python", "-m", "bots"]):
            processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log))
        for _ in range(100):
            try:
                if requests.get(f"{BASE}/readyz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        fake.add_code("code-probe", "openid-probe")
        token = requests.post(f"{BASE}/api/v1/auth/wechat-login", json={"code": "code-probe"}).json()["token"]
        staff = requests.post(
            f"{BASE}/api/v1/auth/staff-login", json={"username": "xiaodian", "password": "demo-password-2026"}
        ).json()["token"]
        probe = Probe(token)
        probe.start()
        time.sleep(5)

        probe.phase = "Redis killed"
        redis.kill()
        time.sleep(1)
        posted = requests.post(
            f"{BASE}/api/v1/broadcasts",
            json={"title": "故障演练通知", "body": "Redis 停止期间发出的通知", "audience": {"region": "140105"}},
            headers={"Authorization": f"Bearer {staff}"},
        )
        time.sleep(options.outage)
        probe.phase = "Redis back (empty)"
        back = time.monotonic()
        redis.start()
        drained = None
        while time.monotonic() - back < 180:
            states = outbox(database_url)
            if states and not states.get("pending"):
                drained = time.monotonic() - back
                break
            time.sleep(0.5)
        final_states = outbox(database_url)

        probe.phase = "PostgreSQL stopped"
        postgres.stop()
        time.sleep(options.outage)
        probe.phase = "PostgreSQL back"
        restarted = time.monotonic()
        postgres.start()
        time.sleep(5)
        probe.stopping.set()
        probe.join(10)
        recovered = probe.first_ok_after.get("PostgreSQL back")

        print(f"\nbench/fault_services.py  outage {options.outage:.0f} s each, gunicorn 2 workers + bot")
        print(f"{'phase':22} {'answers (endpoint status: count; 0 = no connection)'}")
        bad = 0
        for phase, counts in probe.counts.items():
            print(f"{phase:22} " + ", ".join(f"{key}: {n}" for key, n in sorted(counts.items())))
            bad += sum(n for key, n in counts.items() if _broken(int(key.split()[1])))
        # Its text goes through WeChat's content check first, which needs the shared token kept in Redis.
        print(f"broadcast posted while Redis was down: HTTP {posted.status_code} (503: refused clearly, not lost)")
        print(f"broadcast messages after Redis came back: {dict(final_states)}; drained in {_seconds(drained)}")
        print(f"first 200 after PostgreSQL came back: {_seconds(recovered and recovered - restarted)} (no app restart)")
        lost = final_states.get("pending", 0) + final_states.get("dead", 0)
        print(f"5xx other than 503, or no connection: {bad}; messages not delivered: {lost}")
        return 0 if bad == 0 and lost == 0 and posted.status_code in (201, 503) and recovered else 1
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
        fake.close()
        if redis.process and redis.process.poll() is None:
            redis.kill()
        with contextlib.suppress(subprocess.CalledProcessError):
            postgres.stop()
        print(f"(logs: {folder / 'processes.log'})")


if __name__ == "__main__":
    sys.exit(main())
