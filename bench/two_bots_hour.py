"""Two bots side by side for an hour of simulated time, the leader SIGKILLed midway; by hand.

    .venv/bin/python bench/two_bots_hour.py [--speed 15] [--kills 2] [--url ...] [--redis ...]

The bot has no clock of its own to speed up (APScheduler and the lease read the wall clock), so the
hour is the production schedule compressed: every interval job of bots/jobs.py (the calendar ones,
daily or weekly, would not fire within an hour and are left out) with its interval, its misfire grace,
and the lease's TTL and renewal all divided by --speed; 3600 / speed real seconds. Each job's function
is a stand-in that writes one line (job, pid) to a file, so a run done twice would show as two lines.
Two `python -m bots` processes run against PostgreSQL with the Redis lease; at equal intervals the
current leader is killed with SIGKILL and a new process started beside the survivor (two again).

Then, per job, from job_runs and the side-effect file: the scheduled times between the job's first and
last recorded run, those with a run, those without, those without outside a takeover window (from the
kill, less one interval, until the successor's first run of that job has finished: while it runs the
job's next time is skipped, max_instances 1), those without while the job's previous run was still going
(busy: skipped and coalesced by design), and side effects beyond the runs recorded. The first second
after both bots are up (the first lead's burst) is left out.
Exit 1 when a scheduled time was missed outside a takeover window or a run happened twice.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from apscheduler.triggers.interval import IntervalTrigger  # noqa: E402

from app.core.clock import SERVICE_ZONE  # noqa: E402
from bots.jobs import ANCHOR, Job  # noqa: E402
from bots.jobs import JOBS as PRODUCTION_JOBS  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ops_bots"
DEFAULT_REDIS = "redis://127.0.0.1:6379/8"
SPEED = float(os.environ.get("BENCH_SPEED", "15"))
#: After both bots are up, the first lead's burst (every job due at once in 4 workers) is left out.
SETTLE_SECONDS = 1.0


def _stand_in(name: str):
    def run() -> int:
        # One short O_APPEND write: lines from the two processes never interleave.
        with open(os.environ["BENCH_SIDE_EFFECTS"], "a") as log:
            log.write(f"{name} {os.getpid()}\n")
        return 1

    run.__name__ = f"run_{name}"
    return run


def _compressed(speed: float) -> list[Job]:
    jobs = []
    for job in PRODUCTION_JOBS:
        if not isinstance(job.trigger, IntervalTrigger):
            continue
        interval = job.trigger.interval.total_seconds() / speed
        trigger = IntervalTrigger(seconds=interval, start_date=ANCHOR, timezone=SERVICE_ZONE)
        grace = max(1, round(job.misfire_grace_time / speed))
        globals()[f"run_{job.name}"] = _stand_in(job.name)
        jobs.append(Job(job.name, trigger, f"bench.two_bots_hour:run_{job.name}", grace, job.run_on_lead))
    return jobs


#: What the bots schedule (BOT_JOBS=bench.two_bots_hour:JOBS), compressed by BENCH_SPEED.
JOBS = _compressed(SPEED)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--speed", type=float, default=15.0, help="simulated seconds per real second")
    parser.add_argument("--kills", type=int, default=2)
    parser.add_argument("--simulated-minutes", type=float, default=60.0)
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS))
    options = parser.parse_args()
    speed = options.speed
    jobs = _compressed(speed)
    ttl, renew = 30 / speed, 10 / speed
    real_seconds = options.simulated_minutes * 60 / speed

    app = _fresh_app(options.url)
    folder = Path(tempfile.mkdtemp(prefix="two-bots-"))
    side_effects = folder / "side-effects.txt"
    side_effects.touch()
    env = {
        **os.environ,
        "APP_ENV": "test",
        "TEST_DATABASE_URL": options.url,
        "TEST_REDIS_URL": options.redis,
        "BOT_JOBS": "bench.two_bots_hour:JOBS",
        "BOT_LEASE_NAME": f"bench-{uuid.uuid4().hex[:8]}",
        "BOT_LEASE_TTL_SECONDS": str(ttl),
        "BOT_LEASE_RENEW_SECONDS": str(renew),
        "BENCH_SPEED": str(speed),
        "BENCH_SIDE_EFFECTS": str(side_effects),
        "PYTHONPATH": str(ROOT),
    }
    processes: list[subprocess.Popen] = []

    def spawn() -> subprocess.Popen:
        log = open(folder / f"bot-{process_number()}.log", "w")  # noqa: SIM115 — closed with the process
        process = subprocess.Popen([sys.executable, "-m", "bots"], cwd=ROOT, env=env, stdout=log, stderr=log)
        processes.append(process)
        return process

    def process_number() -> str:
        return str(len(processes))

    print(
        f"{len(jobs)} jobs at {speed:g}× ({real_seconds:.0f} s real), lease TTL {ttl:.2f} s, renewed every "
        f"{renew:.2f} s; logs in {folder}"
    )
    alive = [spawn(), spawn()]
    _wait(lambda: _runs(app) and all(_started(p, folder) for p in alive), 180)
    started = time.monotonic()
    # The lead's first burst (every job due at once, 4 workers) is startup, not steady state: counted from here.
    measured_from = datetime.now(UTC) + timedelta(seconds=SETTLE_SECONDS)
    takeovers: list[tuple[datetime, datetime | None, int, int]] = []  # killed at, successor's first run, pids
    for n in range(1, options.kills + 1):
        _sleep_until(started + real_seconds * n / (options.kills + 1))
        leader_pid = _leader_pid(app)
        victim = next(p for p in alive if p.pid == leader_pid)
        victim.send_signal(signal.SIGKILL)
        victim.wait(5)
        killed_at = datetime.now(UTC)
        alive.remove(victim)
        survivor = alive[0]
        alive.append(spawn())
        first = _wait(lambda pid=survivor.pid, at=killed_at: _first_run_by(app, pid, at), 30 + ttl)
        takeovers.append((killed_at, first, victim.pid, survivor.pid))
        _wait(lambda: _started(alive[-1], folder), 180)  # two side by side again
    _sleep_until(started + real_seconds)
    for process in alive:
        process.send_signal(signal.SIGTERM)
    exits = [process.wait(30) for process in alive]
    return _report(app, jobs, takeovers, side_effects, measured_from, exits, speed, folder)


def _fresh_app(url: str):
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from app import create_app

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
    return app


def _runs(app) -> list:
    from sqlalchemy import select

    from app.extensions import db
    from app.scheduling.models import JobRun

    with app.app_context():
        found = list(db.session.scalars(select(JobRun).order_by(JobRun.started_at)))
        db.session.expunge_all()
        db.session.remove()
        return found


def _started(process: subprocess.Popen, folder: Path) -> bool:
    """The bot is up: it said so (its SIGTERM handler is in place), leading or waiting."""
    said = [log.read_text() for log in folder.glob("bot-*.log")]
    return any("已启动" in text and f":{process.pid}:" in text for text in said)


def _pid(holder: str) -> int:
    return int(holder.split(":")[2])


def _leader_pid(app) -> int:
    return _pid(_runs(app)[-1].holder)


def _first_run_by(app, pid: int, after: datetime) -> datetime | None:
    mine = [run.started_at for run in _runs(app) if _pid(run.holder) == pid and run.started_at >= after]
    return min(mine) if mine else None


def _wait(condition, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise SystemExit(f"not within {timeout:.0f} s")


def _sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


def _report(app, jobs, takeovers, side_effects: Path, measured_from, exits, speed: float, folder: Path) -> int:
    runs = _runs(app)
    lines = Counter(line.split()[0] for line in side_effects.read_text().splitlines())
    print()
    for n, (killed, first, victim, survivor) in enumerate(takeovers, 1):
        gap = (first - killed).total_seconds() if first else float("nan")
        print(
            f"kill {n}: leader {victim} SIGKILLed; {survivor} ran its first job {gap:.2f} s later "
            f"({gap * speed / 60:.1f} simulated minutes)"
        )
    header = (
        f"{'job':<22}{'every (sim)':>12}{'scheduled':>10}{'ran':>6}{'missed':>8}{'busy':>6}{'outside':>9}{'twice':>7}"
    )
    print()
    print(header)
    print("-" * len(header))
    bad = 0
    totals = Counter()
    for job in jobs:
        interval: timedelta = job.trigger.interval
        mine = [run for run in runs if run.job == job.name]
        if not mine:
            print(f"{job.name:<22}{_simulated(interval, speed):>12}{'—':>10}{0:>6}")
            continue
        have = {_key(run.scheduled_for) for run in mine}
        first, last = min(run.scheduled_for for run in mine), max(run.scheduled_for for run in mine)
        expected, moment = [], first
        while moment <= last:
            if moment >= measured_from:
                expected.append(moment)
            moment += interval
        missed = [moment for moment in expected if _key(moment) not in have]
        # A takeover window, per job: from one interval before the kill until the successor's first run of
        # this job has finished (while it runs, the job's next scheduled time is skipped: max_instances 1).
        windows = []
        for killed, first_run, _, survivor in takeovers:
            theirs = [r for r in mine if _pid(r.holder) == survivor and r.started_at >= killed and r.finished_at]
            end = min((r.finished_at for r in theirs), default=(first_run or killed) + interval)
            windows.append((killed - interval, end))
        in_window = [moment for moment in missed if any(start <= moment <= end for start, end in windows)]
        # The job's previous run was still going at that time: skipped by design (max_instances 1, coalesce).
        busy = [moment for moment in missed if moment not in in_window and _running_at(mine, moment)]
        outside = [moment for moment in missed if moment not in in_window and moment not in busy]
        # Side effects beyond the runs recorded: a run done twice (a killed leader's last run may be
        # recorded as running without its line, never the other way round).
        twice = max(0, lines[job.name] - len(mine))
        bad += len(outside) + twice
        for moment in outside[:3]:
            print(f"  {job.name}: no run for {moment.astimezone(SERVICE_ZONE):%H:%M:%S.%f} (outside a takeover)")
        ran = len([run for run in mine if run.scheduled_for >= measured_from])
        totals.update(
            scheduled=len(expected), ran=ran, missed=len(missed), busy=len(busy), outside=len(outside), twice=twice
        )
        print(
            f"{job.name:<22}{_simulated(interval, speed):>12}{len(expected):>10}{ran:>6}{len(missed):>8}"
            f"{len(busy):>6}{len(outside):>9}{twice:>7}"
        )
    print("-" * len(header))
    print(
        f"{'total':<22}{'':>12}{totals['scheduled']:>10}{totals['ran']:>6}{totals['missed']:>8}"
        f"{totals['busy']:>6}{totals['outside']:>9}{totals['twice']:>7}"
    )
    statuses = Counter(run.status for run in runs)
    print(f"\njob_runs by status: {dict(statuses)}; survivors' exit codes on SIGTERM: {exits}")
    unique = len({(run.job, _key(run.scheduled_for)) for run in runs}) == len(runs)
    print(f"every (job, scheduled time) recorded once: {unique}; logs in {folder}")
    return 1 if bad or not unique or any(exits) else 0


def _running_at(runs: list, moment: datetime) -> bool:
    """Whether a run of this job (started before `moment`) had not finished by then."""
    return any(run.started_at <= moment and (run.finished_at is None or run.finished_at > moment) for run in runs)


def _key(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=moment.microsecond // 1000 * 1000)


def _simulated(interval: timedelta, speed: float) -> str:
    seconds = interval.total_seconds() * speed
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


if __name__ == "__main__":
    sys.exit(main())
