"""Two bots at once, as threads with their own identities: one leads and runs each scheduled run
once, the other waits and takes over when the leader dies; even two bots that both believe they
lead run each run once; stopping lets the running job finish and frees the lease."""

import threading
import time
import uuid

import pytest

from app.core.leader import DatabaseLease, RedisLease
from bots import runner
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
