"""Two bots at once, as threads with their own identities: one leads and runs each scheduled run
once, the other waits and takes over when the leader dies; even two bots that both believe they
lead run each run once; stopping lets the running job finish and frees the lease; jobs marked
run_on_lead run at once when a bot gains the lease."""

import logging
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from app.core.clock import SERVICE_ZONE
from app.extensions import db
from bots import leader, runner
from bots.jobs import Job
from bots.leader import DatabaseLease, RedisLease
from bots.process import Bot
from tests.bots import sample_jobs
from tests.bots.helpers import lines, runs, wait_until

pytestmark = pytest.mark.real_commits

TTL = 1.0


class Started:
    """A bot running in a thread, stopped (and joined) at the end of the test."""

    def __init__(self, app, jobs, lease, holder):
        self.bot = Bot(app, runner.load(jobs), lease=lease, holder=holder, renew_seconds=0.2)
        self.thread = threading.Thread(target=self.bot.run, name=holder)
        self.thread.start()

    def stop(self, timeout=10):
        self.bot.stop()
        self.thread.join(timeout)
        assert not self.thread.is_alive()


@pytest.fixture(params=["database", "redis"])
def make_lease(request, app, ctx):
    name = f"test-{uuid.uuid4().hex[:8]}"
    if request.param == "database":
        return lambda: DatabaseLease(name, TTL)
    redis = app.extensions["redis"]
    if redis is None:
        pytest.skip("Redis lease needs TEST_REDIS_URL")
    return lambda: RedisLease(redis, name, TTL)


@pytest.fixture
def start(app):
    started = []

    def _start(jobs, lease, holder):
        started.append(Started(app, jobs, lease, holder))
        return started[-1]

    yield _start
    for one in started:
        one.stop()


class AlwaysLeader(DatabaseLease):
    """A lease that says yes to everyone: both bots believe they lead (a paused leader waking up)."""

    def hold(self, holder):
        return True


def test_one_bot_leads_and_each_run_happens_once(app, start, make_lease, side_effects):
    a = start(sample_jobs.JOBS, make_lease(), "bot-a")
    b = start(sample_jobs.JOBS, make_lease(), "bot-b")
    wait_until(lambda: len(runs(app)) >= 3, timeout=10)
    assert [a.bot.leading, b.bot.leading].count(True) == 1
    leader = "bot-a" if a.bot.leading else "bot-b"
    a.stop(), b.stop()
    recorded = runs(app)
    assert {run.holder for run in recorded} == {leader}
    assert len(lines(side_effects)) == len(recorded) == len({run.scheduled_for for run in recorded})
    assert all(run.status == "done" for run in recorded)
    assert make_lease().holder() is None  # released on stop


def test_the_standby_takes_over_when_the_leader_dies(app, start, make_lease, side_effects, monkeypatch):
    a = start(sample_jobs.JOBS, make_lease(), "bot-a")
    wait_until(lambda: a.bot.leading, timeout=5)
    b = start(sample_jobs.JOBS, make_lease(), "bot-b")
    wait_until(lambda: len(runs(app)) >= 2, timeout=10)
    assert not b.bot.leading
    # The leader dies: no more renewals, no release, no more runs.
    monkeypatch.setattr(a.bot.lease, "release", lambda holder: None)
    a.stop()
    died = time.monotonic()
    wait_until(lambda: b.bot.leading, timeout=TTL + 3)
    assert time.monotonic() - died <= TTL + 1
    wait_until(lambda: any(run.holder == "bot-b" for run in runs(app)), timeout=5)
    b.stop()
    recorded = runs(app)
    first_b = min(run.scheduled_for for run in recorded if run.holder == "bot-b")
    assert all(run.scheduled_for < first_b for run in recorded if run.holder == "bot-a")
    assert len(lines(side_effects)) == len(recorded)


def test_two_bots_that_both_think_they_lead_still_run_each_run_once(app, start, side_effects):
    a = start(sample_jobs.JOBS, AlwaysLeader("split", TTL), "bot-a")
    b = start(sample_jobs.JOBS, AlwaysLeader("split", TTL), "bot-b")
    wait_until(lambda: len(runs(app)) >= 4, timeout=10)
    assert a.bot.leading and b.bot.leading
    a.stop(), b.stop()
    recorded = runs(app)
    times = [run.scheduled_for for run in recorded]
    assert len(times) == len(set(times))
    assert len(lines(side_effects)) == len(recorded)


def test_stop_lets_the_running_job_finish_and_releases_the_lease(app, start, make_lease, side_effects):
    a = start(sample_jobs.SLOW, make_lease(), "bot-a")
    wait_until(lambda: runs(app, "slow"), timeout=5, step=0.05)
    asked = time.monotonic()
    a.stop()
    assert time.monotonic() - asked < 3
    (run,) = runs(app, "slow")
    assert run.status == "done" and len(lines(side_effects)) == 1
    assert make_lease().holder() is None


def due_in_half_an_hour() -> tuple[datetime, IntervalTrigger]:
    """An hourly trigger whose next run is half an hour away: nothing runs soon unless asked to."""
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
    return due, IntervalTrigger(hours=1, start_date=due, timezone=SERVICE_ZONE)


def test_jobs_marked_run_on_lead_run_at_once_when_the_bot_gains_the_lease(app, start, make_lease, side_effects):
    due, hourly = due_in_half_an_hour()
    jobs = [
        Job("at_once", hourly, "tests.bots.sample_jobs:tick", misfire_grace_time=60, run_on_lead=True),
        Job("waits", hourly, "tests.bots.sample_jobs:tick", misfire_grace_time=60),
    ]
    started = time.monotonic()
    a = start(jobs, make_lease(), "bot-a")

    (run,) = wait_until(lambda: [r for r in runs(app, "at_once") if r.status == "done"], timeout=5, step=0.05)
    assert time.monotonic() - started < 3
    # Its next scheduled run, started early and recorded under its scheduled time; the schedule
    # goes on from the run after it, so that one is not run twice.
    assert (run.scheduled_for, run.holder) == (due, "bot-a")
    assert a.bot.scheduler.get_job("at_once").next_run_time == due + timedelta(hours=1)
    assert a.bot.scheduler.get_job("waits").next_run_time == due
    a.stop()
    assert runs(app, "waits") == []
    assert len(lines(side_effects)) == 1


def test_a_run_on_lead_run_already_made_elsewhere_is_not_made_again(app, start, make_lease, side_effects, caplog):
    due, hourly = due_in_half_an_hour()
    with app.app_context():
        assert leader.claim_run("at_once", due, "bot-old") is not None  # a bot that still believes it leads
        db.session.commit()

    with caplog.at_level(logging.INFO, logger="bots"):
        a = start(
            [Job("at_once", hourly, "tests.bots.sample_jobs:tick", misfire_grace_time=60, run_on_lead=True)],
            make_lease(),
            "bot-a",
        )
        wait_until(lambda: "已由其他进程运行" in caplog.text, timeout=5, step=0.05)
        a.stop()

    assert [run.holder for run in runs(app, "at_once")] == ["bot-old"]
    assert lines(side_effects) == []
