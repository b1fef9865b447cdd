"""Jobs for the bot's tests: a tick every second whose side effect is a line in a file, so a run
that happened twice would show as two lines, and jobs that write to the database or fail."""

import os
from datetime import UTC, datetime

from app.extensions import db
from app.scheduling.models import Lease
from bots.jobs import Job, every

PERSONAL = "张三 13900000000"


def tick() -> int:
    # One write of one short line with O_APPEND: lines from several processes never interleave.
    with open(os.environ["BOT_TEST_LOG"], "a") as log:
        log.write(f"{os.getpid()}\n")
    return 1


def writes() -> None:
    """Adds a row; the runner's single commit makes it stick."""
    db.session.add(Lease(name=os.environ["BOT_TEST_ROW"], holder="job", expires_at=datetime.now(UTC)))


def breaks() -> None:
    """Adds a row, then fails: the runner rolls the row back and records the failure."""
    writes()
    db.session.flush()
    raise RuntimeError(PERSONAL)  # data in an error text must not reach the log


JOBS = [Job("tick", every(seconds=1), "tests.bots.sample_jobs:tick", misfire_grace_time=5)]

ALL = [
    *JOBS,
    Job("writes", every(hours=1), "tests.bots.sample_jobs:writes", misfire_grace_time=60),
    Job("breaks", every(hours=1), "tests.bots.sample_jobs:breaks", misfire_grace_time=60),
    Job("missing", every(hours=1), "tests.bots.not_there:nothing", misfire_grace_time=60),
]


def slow() -> int:
    """Takes a while, so a test can ask the bot to stop while it runs."""
    import time

    time.sleep(1.5)
    return tick()


SLOW = [Job("slow", every(seconds=1), "tests.bots.sample_jobs:slow", misfire_grace_time=5)]
