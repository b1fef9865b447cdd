"""`python -m bots` as an operator starts it, twice by mistake: one process leads and runs each
scheduled run once; SIGKILL the leader and the other takes over; SIGTERM ends it cleanly (exit 0)."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.bots.helpers import lines, runs, wait_until
from tests.pii_guard import scan_text

pytestmark = pytest.mark.real_commits

ROOT = Path(__file__).resolve().parents[2]
TTL = 2


@pytest.fixture(params=["database", "redis"])
def lease_mode(request, app):
    if request.param == "redis" and app.extensions["redis"] is None:
        pytest.skip("Redis lease needs TEST_REDIS_URL")
    return request.param


@pytest.fixture
def spawn(app, lease_mode, side_effects, tmp_path):
    env = {
        **os.environ,
        "APP_ENV": "test",
        "TEST_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "TEST_REDIS_URL": os.environ.get("TEST_REDIS_URL", "") if lease_mode == "redis" else "",
        "BOT_JOBS": "tests.bots.sample_jobs:JOBS",
        "BOT_LEASE_NAME": f"test-{uuid.uuid4().hex[:8]}",
        "BOT_LEASE_TTL_SECONDS": str(TTL),
        "BOT_LEASE_RENEW_SECONDS": "0.3",
        "BOT_TEST_LOG": str(side_effects),
    }
    processes = []

    def _spawn():
        log = open(tmp_path / f"bot-{len(processes)}.log", "w+")  # noqa: SIM115 — read after the process ends
        process = subprocess.Popen([sys.executable, "-m", "bots"], cwd=ROOT, env=env, stdout=log, stderr=log)
        process.log = log
        processes.append(process)
        return process

    yield _spawn
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(5)
        scan_text(f"output of bot process {process.pid}", output(process))
        process.log.close()


def output(process) -> str:
    process.log.seek(0)
    return process.log.read()


def watch(condition, timeout: float, *processes) -> None:
    """Wait for the condition; if it never comes, fail with what the processes said."""
    try:
        wait_until(condition, timeout=timeout, step=0.2)
    except AssertionError:
        raise AssertionError("\n".join(output(p) for p in processes)) from None


def holder_pid(run) -> int:
    return int(run.holder.split(":")[2])


def test_two_bot_processes_run_each_run_once_and_the_standby_takes_over(app, spawn, side_effects):
    first, second = spawn(), spawn()
    watch(lambda: len(runs(app)) >= 3, 60, first, second)
    leaders = {holder_pid(run) for run in runs(app)}
    assert len(leaders) == 1
    (leader_pid,) = leaders
    leader, standby = (first, second) if first.pid == leader_pid else (second, first)
    assert standby.poll() is None

    leader.send_signal(signal.SIGKILL)
    leader.wait(5)
    watch(lambda: any(holder_pid(run) == standby.pid for run in runs(app)), TTL + 8, standby)

    asked = time.monotonic()
    standby.send_signal(signal.SIGTERM)
    assert standby.wait(10) == 0
    assert time.monotonic() - asked < 5

    recorded = runs(app)
    assert len({run.scheduled_for for run in recorded}) == len(recorded)
    # The killed leader may have died between its side effect and the commit marking the run done.
    done = [run for run in recorded if run.status == "done"]
    assert len(done) <= len(lines(side_effects)) <= len(recorded)
    by_standby = [run for run in recorded if holder_pid(run) == standby.pid]
    assert all(run.status == "done" for run in by_standby)
    assert lines(side_effects).count(str(standby.pid)) == len(by_standby)
    # The standby only ran what came after the leader's last run.
    assert min(run.scheduled_for for run in by_standby) > max(
        run.scheduled_for for run in recorded if holder_pid(run) == leader_pid
    )
    said = output(standby)
    assert "取得主调度权" in said and "收到信号 SIGTERM" in said and "已停止" in said
    assert "Traceback" not in said
