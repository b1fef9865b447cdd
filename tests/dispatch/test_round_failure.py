"""A dispatch round that dies in the middle of writing its offers leaves nothing half made: no offer, no
seat held, no message queued, no round recorded; the bot records the run as failed and the next run
offers the seats as if the first had never started."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from app.dispatch import offers, rounds
from app.dispatch.models import DispatchRound, Offer
from app.extensions import db
from app.notify.models import Message
from app.scheduling.models import JobRun
from app.volunteers.models import Volunteer
from bots import runner
from bots.jobs import Job, every
from tests.dispatch.helpers import approved_need, seats, volunteer_id

VILLAGE = "140105001001"  # 小店村
JOB = Job("dispatch_round", every(hours=1), "app.dispatch.rounds:run_scheduled", misfire_grace_time=1800)


def what_the_round_left(app, need_id: int, volunteers: list[int]) -> dict:
    with app.app_context():
        users = select(Volunteer.user_id).where(Volunteer.id.in_(volunteers))
        return {
            "offers": db.session.scalar(select(func.count()).select_from(Offer).where(Offer.activity_id == need_id)),
            "messages": db.session.scalar(select(func.count()).select_from(Message).where(Message.user_id.in_(users))),
            "rounds": db.session.scalar(select(func.count()).select_from(DispatchRound)),
            "seats": seats(app, need_id),
        }


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
