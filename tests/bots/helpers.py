"""What the bot's tests share: readers for the side-effect file and the run record."""

import time
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.scheduling.models import JobRun


def lines(path: Path) -> list[str]:
    return path.read_text().split()


def runs(app, job: str | None = None) -> list[JobRun]:
    with app.app_context():
        query = select(JobRun).order_by(JobRun.scheduled_for)
        if job:
            query = query.where(JobRun.job == job)
        found = list(db.session.scalars(query))
        db.session.expunge_all()
        return found


def wait_until(condition, timeout: float, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not true within {timeout} s")
