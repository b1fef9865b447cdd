"""One run of one job: claim it under its scheduled time, run it in an app context, commit once."""

import importlib
import logging
import threading
import time
import traceback
from collections.abc import Callable
from datetime import datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from flask import g

from app.core import clock
from app.extensions import db
from bots import leader
from bots.jobs import Job

log = logging.getLogger("bots")

DONE, FAILED, SKIPPED = "done", "failed", "skipped"


def resolve(path: str):
    """The object a dotted path names: "package.module:attribute"."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


def load(jobs: list[Job]) -> list[tuple[Job, Callable]]:
    """The jobs whose functions can be imported; the others are skipped, each with a warning."""
    ready = []
    for job in jobs:
        try:
            ready.append((job, resolve(job.function)))
        except (ImportError, AttributeError):
            log.warning("任务 %s 的函数 %s 尚不可用，本次不调度该任务", job.name, job.function)
    return ready


def execute(
    app, job: Job, function: Callable, scheduled_for: datetime, holder: str, *, stopping: threading.Event | None = None
) -> str:
    """Run `job` for `scheduled_for` unless that run is already recorded; returns done, failed or skipped.

    `stopping` is the bot's stop signal; long tasks read it as `g.bot_stopping` and return early.
    """
    with app.app_context():
        g.bot_stopping = stopping or threading.Event()
        run_id = leader.claim_run(job.name, scheduled_for, holder)
        db.session.commit()
        if run_id is None:
            log.info("任务 %s（计划 %s）已由其他进程运行，跳过", job.name, clock.spoken(scheduled_for))
            return SKIPPED
        started = time.monotonic()
        try:
            result = function()
            leader.finish_run(run_id, leader.DONE, result)
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            leader.finish_run(run_id, leader.FAILED, type(error).__name__)
            db.session.commit()
            # Code locations only: an exception's text may quote data (SQL parameters, names).
            log.error(
                "任务 %s 运行失败（%s），已回滚，耗时 %.1f 秒；出错位置：\n%s",
                job.name,
                type(error).__name__,
                time.monotonic() - started,
                "".join(traceback.format_tb(error.__traceback__)),
            )
            return FAILED
        # Frequent jobs mostly find nothing to do; say so only when asked (DEBUG).
        level = logging.INFO if _did_something(result) else logging.DEBUG
        log.log(level, "任务 %s 完成%s，耗时 %.1f 秒", job.name, _counted(result), time.monotonic() - started)
        return DONE


def _did_something(result) -> bool:
    return any(result.values()) if isinstance(result, dict) else bool(result) or result is None


def _counted(result) -> str:
    """Counts are safe to log; anything else a job returns stays in job_runs."""
    if isinstance(result, int | float) and not isinstance(result, bool):
        return f"（{result}）"
    if isinstance(result, dict) and all(isinstance(v, int | float) for v in result.values()):
        return "（" + "，".join(f"{k} {v}" for k, v in result.items()) + "）"
    return ""


class _Run:
    """A job as APScheduler's run_job sees it, with the scheduled time added to its keyword arguments."""

    def __init__(self, job, run_time: datetime):
        self._job = job
        self.kwargs = {**job.kwargs, "scheduled_for": run_time}

    def __getattr__(self, name):
        return getattr(self._job, name)

    def __str__(self):
        return str(self._job)


class RecordingExecutor(ThreadPoolExecutor):
    """A thread pool that tells each run its scheduled time: the key under which the run is recorded.

    Jobs coalesce, so APScheduler hands over one run time (the latest) per submission.
    """

    def _do_submit_job(self, job, run_times):
        super()._do_submit_job(_Run(job, run_times[-1]), run_times[-1:])
