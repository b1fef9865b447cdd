"""The job list is data every bot process reads the same way; operators can run a job by hand."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from flask import g

from bots import cli, runner, tasks
from bots.jobs import JOBS
from tests.bots.helpers import lines, runs


def test_each_job_has_a_unique_name_a_grace_and_a_function():
    assert len({job.name for job in JOBS}) == len(JOBS)
    assert all(job.misfire_grace_time > 0 for job in JOBS)
    assert [job for job, _ in runner.load(JOBS)] == JOBS


def test_every_process_computes_the_same_scheduled_times():
    """Two bots started at different moments agree on when each run is due (the run record's key)."""
    started = datetime(2026, 12, 1, 3, 17, 41, 123456, tzinfo=UTC)
    for job in JOBS:
        one = job.trigger.get_next_fire_time(None, started + timedelta(minutes=1))
        other = job.trigger.get_next_fire_time(None, started + timedelta(minutes=1, seconds=0.4))
        previous = job.trigger.get_next_fire_time(None, started)
        # Walking on from an earlier start lands on the same instants.
        while previous < one:
            previous = job.trigger.get_next_fire_time(previous, previous)
        assert one == previous and one.microsecond == 0, job.name
        assert other >= one


def test_run_once_runs_a_job_now_and_records_it(app, side_effects, monkeypatch):
    monkeypatch.setitem(app.config, "BOT_JOBS", "tests.bots.sample_jobs:ALL")
    result = app.test_cli_runner().invoke(cli.bot, ["run-once", "tick"])
    assert result.exit_code == 0, result.output
    assert "任务 tick 已完成" in result.output
    assert len(lines(side_effects)) == 1
    (run,) = runs(app, "tick")
    assert run.status == "done" and run.holder.startswith("cli:")


def test_run_once_explains_what_it_cannot_do(app, monkeypatch):
    monkeypatch.setitem(app.config, "BOT_JOBS", "tests.bots.sample_jobs:ALL")
    invoke = app.test_cli_runner().invoke
    unknown = invoke(cli.bot, ["run-once", "nothing"])
    assert unknown.exit_code == 1 and "没有名为 nothing 的任务" in unknown.output
    missing = invoke(cli.bot, ["run-once", "missing"])
    assert missing.exit_code == 1 and "尚不可用" in missing.output
    failed = invoke(cli.bot, ["run-once", "breaks"])
    assert failed.exit_code == 1 and "运行失败" in failed.output


def test_jobs_lists_each_job_with_its_last_run(app, side_effects, monkeypatch):
    monkeypatch.setitem(app.config, "BOT_JOBS", "tests.bots.sample_jobs:ALL")
    runner_ = app.test_cli_runner()
    runner_.invoke(cli.bot, ["run-once", "tick"])
    listing = runner_.invoke(cli.bot, ["jobs"])
    assert listing.exit_code == 0, listing.output
    tick, writes = listing.output.splitlines()[:2]
    assert tick.startswith("tick") and "done" in tick
    assert writes.startswith("writes") and "尚未运行" in writes


@pytest.mark.parametrize("job", JOBS, ids=[job.name for job in JOBS])
def test_each_job_runs_under_the_runner(app, job):
    (ready,) = runner.load([job])
    assert runner.execute(app, *ready, datetime(2026, 12, 1, 1, tzinfo=UTC), "bot-a") == "done"
    (run,) = runs(app, job.name)
    assert run.status == "done"


def test_the_outbox_job_sends_batch_after_batch_while_they_come_back_full(app, monkeypatch):
    calls = []

    def send_due(*, batch):
        calls.append(batch)
        return {"claimed": batch if len(calls) < 3 else 7, "sent": 1}

    monkeypatch.setattr(tasks.sender, "send_due", send_due)
    monkeypatch.setitem(app.config, "BOT_SEND_BATCH", 50)
    with app.app_context():
        assert tasks.send_outbox() == {"claimed": 107, "sent": 3}
        assert calls == [50, 50, 50]
        g.bot_stopping = threading.Event()
        g.bot_stopping.set()
        tasks.send_outbox()
    assert len(calls) == 4  # asked to stop: one batch, then back to the bot


def test_the_token_refresher_and_the_sender_run_as_soon_as_a_bot_leads():
    assert {job.name for job in JOBS if job.run_on_lead} == {"outbox_send", "wechat_token"}
