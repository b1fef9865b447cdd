"""A dispatch round that dies in the middle of writing its offers leaves nothing half made: no offer, no
seat held, no message queued, no round recorded; the bot records the run as failed and the next run
offers the seats as if the first had never started."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core import clock
from app.dispatch import offers, rounds
from app.dispatch.models import DispatchRound, Offer
from app.extensions import db
from app.notify.models import Message
from app.scheduling.models import JobRun
from app.volunteers.models import Volunteer
from bots import runner
from bots.jobs import Job, every
from tests.dispatch.helpers import approved_need, seats, volunteer_id

ROOT = Path(__file__).resolve().parents[2]
VILLAGE = "140105001001"  # 小店村
JOB = Job("dispatch_round", every(hours=1), "app.dispatch.rounds:run_scheduled", misfire_grace_time=1800)


def what_the_round_left(app, need_id: int, volunteers: list[int]) -> dict:
    with app.app_context():
        users = select(Volunteer.user_id).where(Volunteer.id.in_(volunteers))
        left = {
            "offers": db.session.scalar(select(func.count()).select_from(Offer).where(Offer.activity_id == need_id)),
            "messages": db.session.scalar(select(func.count()).select_from(Message).where(Message.user_id.in_(users))),
            "rounds": db.session.scalar(select(func.count()).select_from(DispatchRound)),
        }
        db.session.commit()  # ends this read before seats() opens a session of its own (SQLite: one lock)
    return {**left, "seats": seats(app, need_id)}


def test_a_round_killed_mid_write_leaves_no_half_made_offers(app, api, build, secretary, county, monkeypatch):
    need = approved_need(api, secretary, county, slots=3)
    tokens = [build.volunteer(home_region=VILLAGE)[0] for _ in range(3)]
    volunteers = [volunteer_id(app, api, token) for token in tokens]
    before = what_the_round_left(app, need["id"], volunteers)
    assert before == {"offers": 0, "messages": 0, "rounds": 0, "seats": (0, 0, "open")}

    real = offers.notify.tell_many
    written: list[int] = []

    def dies_halfway(messages: list[dict]) -> None:
        # The seats are held and the offers inserted by now; half the messages go in, then the process dies.
        real(messages[: len(messages) // 2 or 1])
        written.append(len(messages))
        raise RuntimeError("killed mid-write")

    monkeypatch.setattr(offers.notify, "tell_many", dies_halfway)
    first = datetime(2026, 12, 1, 1, tzinfo=UTC)
    assert runner.execute(app, JOB, rounds.run_scheduled, first, "bot:test:1:a") == runner.FAILED
    assert written == [3]  # it did die in the middle of the write, with three offers made
    assert what_the_round_left(app, need["id"], volunteers) == before
    with app.app_context():
        assert db.session.scalar(select(JobRun.status).where(JobRun.scheduled_for == first)) == "failed"

    monkeypatch.setattr(offers.notify, "tell_many", real)
    second = datetime(2026, 12, 1, 2, tzinfo=UTC)
    assert runner.execute(app, JOB, rounds.run_scheduled, second, "bot:test:1:a") == runner.DONE
    after = what_the_round_left(app, need["id"], volunteers)
    assert after == {"offers": 3, "messages": 3, "rounds": 1, "seats": (0, 3, "filled")}


#: The bot's round in a process of its own that SIGKILLs itself in the middle of writing the offers: seats
#: held, offers inserted, half the messages queued, nothing committed.
KILLED_ROUND = r"""
import os, signal, sys
from datetime import datetime
from app import create_app
from app.core import clock
from app.dispatch import offers, rounds
from app.extensions import db

app = create_app("test")
real = offers.notify.tell_many

def dies(messages):
    real(messages[: len(messages) // 2 or 1])
    db.session.flush()
    os.kill(os.getpid(), signal.SIGKILL)

offers.notify.tell_many = dies
clock.freeze(datetime.fromisoformat(sys.argv[1]))
with app.app_context():
    rounds.run_scheduled()
    db.session.commit()
"""


@pytest.mark.real_commits  # the killed process sees only committed rows
def test_a_round_process_sigkilled_mid_write_leaves_no_half_made_offers(app, api, build, secretary, county):
    need = approved_need(api, secretary, county, slots=3)
    tokens = [build.volunteer(home_region=VILLAGE)[0] for _ in range(3)]
    volunteers = [volunteer_id(app, api, token) for token in tokens]
    before = what_the_round_left(app, need["id"], volunteers)
    assert before == {"offers": 0, "messages": 0, "rounds": 0, "seats": (0, 0, "open")}

    env = {**os.environ, "TEST_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_ROUND, clock.now().isoformat()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -9, killed.stderr[-3000:]
    assert what_the_round_left(app, need["id"], volunteers) == before

    assert runner.execute(app, JOB, rounds.run_scheduled, datetime(2026, 12, 1, 3, tzinfo=UTC), "bot:t:1:a") == "done"
    after = what_the_round_left(app, need["id"], volunteers)
    assert after == {"offers": 3, "messages": 3, "rounds": 1, "seats": (0, 3, "filled")}
