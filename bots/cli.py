"""`flask --app wsgi bot ...`: operators run one job by hand or look at the job list and its last runs.

wsgi.py adds the group to the app's CLI: the bot knows the app, the app never the bot.
"""

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.core import clock
from app.extensions import db
from app.scheduling.models import JobRun
from bots import leader, runner

bot = AppGroup("bot", help="调度进程：手动运行任务、查看任务列表")


def _jobs():
    return {job.name: job for job in runner.resolve(current_app.config["BOT_JOBS"])}


@bot.command("run-once")
@click.argument("job")
def run_once(job: str) -> None:
    """立即运行一次任务 JOB（记录在 job_runs 中，与调度进程互不重复）。"""
    jobs = _jobs()
    if job not in jobs:
        raise click.ClickException(f"没有名为 {job} 的任务；可用：{', '.join(jobs)}")
    ready = runner.load([jobs[job]])
    if not ready:
        raise click.ClickException(f"任务 {job} 的函数 {jobs[job].function} 尚不可用")
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, typed as Flask
    outcome = runner.execute(app, *ready[0], leader.wall_now(), leader.new_holder("cli"))
    click.echo({runner.DONE: f"任务 {job} 已完成", runner.FAILED: f"任务 {job} 运行失败（详见日志）"}[outcome])
    if outcome == runner.FAILED:
        raise SystemExit(1)


@bot.command("jobs")
def list_jobs() -> None:
    """列出任务、触发规则和最近一次运行。"""
    latest = dict(db.session.execute(select(JobRun.job, func.max(JobRun.scheduled_for)).group_by(JobRun.job)).all())
    for job in _jobs().values():
        last = (
            db.session.scalar(select(JobRun).where(JobRun.job == job.name, JobRun.scheduled_for == latest[job.name]))
            if job.name in latest
            else None
        )
        seen = f"最近：{clock.spoken(last.scheduled_for)} {last.status}" if last else "尚未运行"
        click.echo(f"{job.name:20} {job.trigger}  {job.function}  {seen}")
