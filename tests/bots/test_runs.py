"""One run of one job: recorded first under its scheduled time, run in an app context, committed
once; a run already recorded is skipped; a failure rolls back and is recorded without its text."""

import logging
from datetime import UTC, datetime

from app.extensions import db
from app.scheduling.models import Lease
from bots import runner
from tests.bots import sample_jobs
from tests.bots.helpers import lines, runs

AT = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
JOBS = {job.name: job for job in sample_jobs.ALL}


def execute(app, name, at=AT, holder="bot-a"):
    ((job, function),) = runner.load([JOBS[name]])
    return runner.execute(app, job, function, at, holder)


def test_a_run_is_recorded_and_a_second_run_for_the_same_time_is_skipped(app, side_effects):
    assert execute(app, "tick") == "done"
    assert execute(app, "tick", holder="bot-b") == "skipped"
    assert len(lines(side_effects)) == 1
    (run,) = runs(app, "tick")
    assert (run.scheduled_for, run.holder, run.status, run.result) == (AT, "bot-a", "done", "1")
    assert run.finished_at >= run.started_at


def test_the_job_work_commits_with_the_run(app, monkeypatch):
    monkeypatch.setenv("BOT_TEST_ROW", "probe-commit")
    assert execute(app, "writes") == "done"
    with app.app_context():
        assert db.session.get(Lease, "probe-commit") is not None


def test_a_failing_job_is_rolled_back_and_recorded_without_its_message(app, monkeypatch, caplog):
    monkeypatch.setenv("BOT_TEST_ROW", "probe-rollback")
    with caplog.at_level(logging.INFO, logger="bots"):
        assert execute(app, "breaks") == "failed"
    with app.app_context():
        assert db.session.get(Lease, "probe-rollback") is None
    (run,) = runs(app, "breaks")
    assert (run.status, run.result) == ("failed", "RuntimeError")
    assert "运行失败" in caplog.text and "RuntimeError" in caplog.text
    assert "张三" not in caplog.text and "13900000000" not in caplog.text
    assert execute(app, "breaks") == "skipped"  # a failed run is not retried; the next scheduled one is


def test_a_job_whose_function_is_missing_is_left_out_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="bots"):
        ready = runner.load(sample_jobs.ALL)
    assert [job.name for job, _ in ready] == ["tick", "writes", "breaks"]
    assert "missing" in caplog.text and "尚不可用" in caplog.text
