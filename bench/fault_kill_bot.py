"""kill -9 the bot again and again during a broadcast, run by hand; prints one table.

    .venv/bin/python bench/fault_kill_bot.py [--recipients 100000] [--kills 10] [--rate 1000] [--seed 1]

Everything it kills or stops is its own: a private PostgreSQL cluster (initdb into a temporary folder,
port 5440), a private redis-server (port 6392), the fake WeChat on loopback (tests/fake_wechat.py, in
this process, so its record of received pushes outlives every bot), and `python -m bots` as production
runs it (leader lease and send bucket in Redis). The volunteers are generated in SQL as
bench/broadcast_fill.py does (one county, every one with an openid and the broadcast template on, a
long-term subscription at the fake too); a staff broadcast to all of them fills the outbox, then the
bot starts. At `--kills` random points of the send (a push count drawn between 5 % and 95 % of the
recipients, plus up to a second) the bot is killed with SIGKILL and started again at once. At the end
(nothing pending, or --timeout) it counts, from the fake's pushes and the outbox:

- lost: recipients never pushed whose message is not in a terminal state that says why
  (inbox_only, failed, dead): pending at the end, or recorded sent without reaching WeChat;
- duplicates: pushes beyond the first to the same recipient (one broadcast: one message each);
- resume: for each restart, seconds from starting the new bot to the next push WeChat received.

Targets (issue 14): 0 lost, duplicates ≤ kills, every resume ≤ 60 s. SEND_RATE_PER_SECOND is raised for
the run (--rate; the production default is 20 a second, at which 10⁵ pushes take 83 minutes); the
code path is production's. The measured rate is printed beside it.
"""

import argparse
import contextlib
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402  (after the path is set)
from app.broadcasts import operations  # noqa: E402
from app.broadcasts.schemas import BroadcastIn  # noqa: E402
from app.core.access import Principal  # noqa: E402
from app.extensions import db  # noqa: E402
from bench.broadcast_fill import COUNTY, build_schema, generate  # noqa: E402
from bench.services import PrivatePostgres, PrivateRedis, V, service_env, wait_for  # noqa: E402
from config.templates import templates  # noqa: E402
from tests.fake_wechat import FakeWeChat  # noqa: E402

PG_PORT, REDIS_PORT = 5440, 6392
TERMINAL = ("inbox_only", "failed", "dead")  # an outcome that tells the recipient's story without a push


@dataclass
class Stack:
    """PostgreSQL, Redis and the fake WeChat of one run, the environment the bot runs with, the broadcast."""

    folder: Path
    postgres: PrivatePostgres
    redis: PrivateRedis
    fake: FakeWeChat
    env: dict[str, str]
    broadcast_id: int = 0
    recipients: int = 0
    bots: list[subprocess.Popen] = field(default_factory=list)

    @property
    def dsn(self) -> str:
        return self.postgres.url.replace("+psycopg", "")

    def start_bot(self) -> subprocess.Popen:
        log = open(self.folder / "bot.log", "a")  # noqa: SIM115 — the bot's until it exits
        bot = subprocess.Popen([V / "python", "-m", "bots"], cwd=ROOT, env=self.env, stdout=log, stderr=log)
        log.close()  # the child has its own copy
        self.bots.append(bot)
        return bot

    def pushes(self) -> int:
        return len(self.fake.subscribe_sent)

    def outbox(self) -> Counter:
        with psycopg.connect(self.dsn) as conn:
            rows = conn.execute(
                "SELECT delivery, count(*) FROM messages WHERE broadcast_id = %s GROUP BY 1", [self.broadcast_id]
            )
            return Counter(dict(rows.fetchall()))

    def deliveries(self) -> dict[str, str]:
        """openid → the delivery state of its message of the broadcast."""
        with psycopg.connect(self.dsn) as conn:
            rows = conn.execute(
                "SELECT u.openid, m.delivery FROM messages m JOIN users u ON u.id = m.user_id"
                " WHERE m.broadcast_id = %s",
                [self.broadcast_id],
            )
            return dict(rows.fetchall())

    def drain(self, timeout: float) -> float | None:
        """Wait until nothing of the broadcast is pending; seconds it took, None on timeout."""
        started = time.monotonic()
        if wait_for(lambda: not self.outbox().get("pending"), timeout, step=2):
            return time.monotonic() - started
        return None

    def close(self) -> None:
        for bot in self.bots:
            if bot.poll() is None:
                bot.terminate()
        for bot in self.bots:
            try:
                bot.wait(30)
            except subprocess.TimeoutExpired:
                bot.kill()
        self.fake.close()
        if self.redis.process and self.redis.process.poll() is None:
            self.redis.kill()
        with contextlib.suppress(subprocess.CalledProcessError):
            self.postgres.stop()
        shutil.rmtree(self.postgres.data, ignore_errors=True)


def build(recipients: int, prefix: str, ports: tuple[int, int] = (PG_PORT, REDIS_PORT), **settings: str) -> Stack:
    """Start the services (PostgreSQL and Redis on `ports`), generate `recipients` volunteers (all reachable
    by WeChat), post a broadcast to all of them (which fills the outbox); no bot yet."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    postgres, redis = PrivatePostgres(folder, ports[0]), PrivateRedis(ports[1])
    postgres.start()
    redis.start()
    fake = FakeWeChat()
    keys = {"SECRET_KEY": secrets.token_urlsafe(32), "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode()}
    env = service_env(postgres.url, redis.url, fake.url, **keys, **settings)
    stack = Stack(folder, postgres, redis, fake, env)
    try:
        app = create_app(
            "development",
            SQLALCHEMY_DATABASE_URI=postgres.url,
            REDIS_URL=redis.url,
            WECHAT_APPID=env["WECHAT_APPID"],
            WECHAT_SECRET=env["WECHAT_SECRET"],
            WECHAT_API_BASE=fake.url,
            **keys,
        )
        with app.app_context():
            build_schema()
        started = time.perf_counter()
        with psycopg.connect(stack.dsn) as conn:
            staff_id = generate(conn, recipients, allowed=1.0)
        template = templates()["broadcast"]["template_id"]
        for n in range(1, recipients + 1):
            fake.grant(f"bench-openid-{n}", template, None)
        print(f"{recipients:,} volunteers generated in {time.perf_counter() - started:.1f} s")
        with app.app_context():
            principal = Principal(user_id=staff_id, roles=frozenset({"staff"}), staff_region=COUNTY)
            request = BroadcastIn.model_validate(
                {
                    "title": "寒假支教动员",
                    "body": "寒假将至，请各服务队志愿者在小程序中查看本村需求并报名。",
                    "audience": {"region": COUNTY, "roles": ["volunteer"]},
                }
            )
            broadcast = operations.create(principal, request)  # sent now: fills the outbox
            db.session.commit()
            stack.broadcast_id = broadcast.id
            db.session.remove()
            db.engine.dispose()
        stack.recipients = sum(stack.outbox().values())
        assert stack.recipients == recipients, (stack.recipients, recipients)
    except BaseException:
        stack.close()
        raise
    return stack


@dataclass
class Restart:
    at_push: int  # pushes WeChat had received when the bot was killed
    resume: float | None  # seconds from starting the new bot to the next push; None: none within the wait
    sending: tuple[int, float] = (0, 0.0)  # pushes and seconds from the bot's first push to its kill


def kill_and_restart(stack: Stack, kills: int, rng: random.Random, resume_wait: float) -> list[Restart]:
    n = stack.recipients
    points = sorted(rng.sample(range(max(1, n // 20), max(2, n * 19 // 20)), kills))
    bot = stack.start_bot()
    restarts = []
    wait_for(lambda: stack.pushes() > 0, resume_wait, step=0.05)
    first_push, first_count = time.monotonic(), stack.pushes()
    for point in points:
        if not wait_for(lambda point=point: stack.pushes() >= point, 3600, step=0.05):
            break
        time.sleep(rng.uniform(0, 1))  # anywhere in a push: before, during or after WeChat's answer
        at_push = stack.pushes()
        sending = (at_push - first_count, time.monotonic() - first_push)
        bot.send_signal(signal.SIGKILL)
        bot.wait(10)
        time.sleep(0.2)  # a request the dead bot had fully sent may still land
        before = stack.pushes()
        started = time.monotonic()
        bot = stack.start_bot()
        resumed = wait_for(lambda before=before: stack.pushes() > before, resume_wait, step=0.05)
        restarts.append(Restart(at_push, time.monotonic() - started if resumed else None, sending))
        first_push, first_count = time.monotonic(), stack.pushes()
        print(f"kill {len(restarts)} at push {at_push:,}: resumed after {_seconds(restarts[-1].resume)}", flush=True)
    return restarts


def tally(stack: Stack) -> dict[str, int]:
    """lost, duplicates and the rest, from the fake's pushes and the outbox."""
    pushed = Counter(push["touser"] for push in stack.fake.subscribe_sent)
    states = stack.deliveries()
    never_pushed = {openid: state for openid, state in states.items() if not pushed.get(openid)}
    return {
        "recipients": len(states),
        "pushes": sum(pushed.values()),
        "pushed once or more": sum(1 for openid in states if pushed.get(openid)),
        "lost": sum(1 for state in never_pushed.values() if state not in TERMINAL),
        "recorded sent, never pushed": sum(1 for state in never_pushed.values() if state == "sent"),
        "pending at the end": sum(1 for state in states.values() if state == "pending"),
        "duplicates": sum(count - 1 for count in pushed.values() if count > 1),
        "pushes to no recipient": sum(count for openid, count in pushed.items() if openid not in states),
    }


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--rate", type=float, default=1000, help="SEND_RATE_PER_SECOND for the run")
    parser.add_argument("--seed", type=int, default=1, help="where the kills fall")
    parser.add_argument("--resume-wait", type=float, default=300, help="seconds to wait for a push after a restart")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for the outbox to drain at the end")
    options = parser.parse_args()
    stack = build(options.recipients, "fault-kill-bot-", SEND_RATE_PER_SECOND=str(options.rate))
    try:
        started = time.monotonic()
        restarts = kill_and_restart(stack, options.kills, random.Random(options.seed), options.resume_wait)
        drained = stack.drain(options.timeout)
        total = time.monotonic() - started
        counts = tally(stack)
        states = stack.outbox()
    finally:
        stack.close()

    print(f"\nbench/fault_kill_bot.py  {options.recipients:,} recipients, {len(restarts)} kills (seed {options.seed})")
    print(f"{'kill':>4} {'at push':>9} {'resume after restart':>21}")
    for number, restart in enumerate(restarts, 1):
        print(f"{number:>4} {restart.at_push:>9,} {_seconds(restart.resume):>21}")
    resumes = [r.resume for r in restarts]
    worst = None if None in resumes else max(resumes, default=0.0)
    print(f"outbox at the end: {dict(states)}; drained {_seconds(drained)} after the last restart's resume")
    for name, value in counts.items():
        print(f"{name:28} {value:>9,}")
    rate = counts["pushes"] / total if total else 0.0
    pushed, seconds = (sum(part) for part in zip(*(r.sending for r in restarts), strict=True)) if restarts else (0, 0)
    print(
        f"total {total:.0f} s from the first bot start, {rate:.0f} pushes/s overall; while a bot was sending"
        f" (first push to kill) {pushed / seconds if seconds else 0:.0f} pushes/s (cap {options.rate:g}/s)"
    )
    met = counts["lost"] == 0 and counts["duplicates"] <= len(restarts) and worst is not None and worst <= 60
    print(
        f"targets: lost 0 → {counts['lost']}, duplicates ≤ {len(restarts)} → {counts['duplicates']}, "
        f"resume ≤ 60 s → worst {_seconds(worst)}: {'met' if met else 'NOT met'}"
    )
    print(f"(bot log: {stack.folder / 'bot.log'})")
    return 0 if met and drained is not None else 1


if __name__ == "__main__":
    sys.exit(main())
