"""What the bot's tests share: a side-effect file per test, and readers for the run record."""

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.scheduling import JobRun
from app.extensions import db


@pytest.fixture
def side_effects(tmp_path, monkeypatch) -> Path:
    """The file the sample jobs append a line to on every run (one line per run, with the pid)."""
    path = tmp_path / "side-effects.log"
    path.touch()
    monkeypatch.setenv("BOT_TEST_LOG", str(path))
    return path


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
