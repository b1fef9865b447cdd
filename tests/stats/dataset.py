"""A small province written straight into the tables (service_years rebuilt from them), every figure
counted by hand in the tests.

Volunteers (home, teams, registered):
  v1 小店村 140105001001 education+medical · v2 西温庄村 140105001002 education ·
  v3 坞城村 140105002001 medical · v4 county 140105 only, culture · v5 迎泽村 140106001001 education ·
  v6 withdrawn on 1 June (home coarsened to 140105, no teams) · v7 坞城村, registered 5 December.
Needs (created): n1 小店村 education 2/2 slots (April) · n2 坞城村 medical 1/3 (November) ·
  n3 西温庄村 rejected · n4 迎泽村 culture 1/1 · n5 小店村 education, created December 2025.
Sessions: s1 小店村 5 May, done, 4/30 seats · s2 坞城村 5 December (not yet held) ·
  s3 西温庄村 cancelled · s4 迎泽村 1 July, done, 5/20 seats.
Records (minutes; confirmed unless said): r1 v1 n1 120 · r2 v2 n1 90 · r3 v1 s1 120 ·
  r4 v2 s1 checked out, unconfirmed · r5 v3 s1 60 · r6 v6 n5 60 (15 January) ·
  r7 v3 n2 30 (1 December 08:00) · r8 v5 s4 90 · r9 v1 s4 checked out, unconfirmed ·
  r10 v4 n5 60 (28 December 2025).
Programs and villagers reached (entered on confirming): n1 希望工程, 12 villagers of whom 5 poor ·
  n5 希望工程, 8 of 2 · s1 七彩假期, 30 (poor not given) · s4 希望工程, 15 of 6 · n4 七彩假期, none entered.
"""

from datetime import datetime, timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.activities.models import Activity, Signup
from app.attendance import rollup
from app.attendance.models import ServiceRecord
from app.extensions import db
from app.programs import operations as programs
from app.programs.models import Program
from app.volunteers.models import TeamMembership, Volunteer
from tests.fixtures import at

JAN = at(1, 0, month=1)


def _user() -> User:
    user = User(created_at=JAN)
    db.session.add(user)
    db.session.flush()
    return user


def volunteer(home: str, areas: list[str], *, created: datetime = JAN, withdrawn: datetime | None = None) -> Volunteer:
    row = Volunteer(
        user_id=_user().id,
        name="测试",
        home_region_code=home,
        consent_version="2026-11",
        consented_at=created,
        created_at=created,
        updated_at=created,
        withdrawn_at=withdrawn,
    )
    row.teams = [TeamMembership(area=area, joined_at=created) for area in areas]
    db.session.add(row)
    return row


def program(name: str) -> int:
    return db.session.scalars(select(Program.id).where(Program.name == name)).one()


def activity(
    kind: str,
    village: str,
    starts: datetime,
    *,
    capacity: int,
    taken: int,
    status: str,
    created=None,
    area=None,
    program_name: str | None = None,
    villagers: int | None = None,
    poor: int | None = None,
):
    row = Activity(
        type="session" if kind in ("night_school", "lecture_hall") else "need",
        village_code=village,
        title="统计测试",
        area=area,
        kind=kind if kind != "need" else None,
        topic="law" if kind != "need" else None,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=capacity,
        taken=taken,
        status=status,
        created_by=_user().id,
        created_at=created or starts - timedelta(days=7),
        updated_at=starts,
        program_id=program(program_name) if program_name else None,
        villagers=villagers,
        poor_households=poor,
    )
    db.session.add(row)
    return row


def record(who: Volunteer, what: Activity, at_: datetime, minutes: int | None, status: str = "confirmed") -> None:
    what.attendees = (what.attendees or 0) + 1  # as check-in counts them
    db.session.flush()
    signup = Signup(
        volunteer_id=who.id,
        activity_id=what.id,
        status="confirmed",
        starts_at=what.starts_at,
        ends_at=what.ends_at,
        created_at=at_,
        updated_at=at_,
    )
    db.session.add(signup)
    db.session.flush()
    db.session.add(
        ServiceRecord(
            signup_id=signup.id,
            volunteer_id=who.id,
            activity_id=what.id,
            status=status,
            checked_in_at=at_,
            checked_out_at=at_ + timedelta(hours=2),
            computed_minutes=120,
            confirmed_minutes=minutes if status == "confirmed" else None,
            created_at=at_,
            updated_at=at_,
        )
    )


def build_dataset() -> None:
    programs.ensure_usual()  # the migration seeds them; a test with real commits may have emptied the table
    v1 = volunteer("140105001001", ["education", "medical"])
    v2 = volunteer("140105001002", ["education"])
    v3 = volunteer("140105002001", ["medical"])
    v4 = volunteer("140105", ["culture"])
    v5 = volunteer("140106001001", ["education"])
    v6 = volunteer("140105", [], withdrawn=at(1, 12, month=6))
    volunteer("140105002001", ["medical"], created=at(5, 9))

    n1 = activity(
        "need",
        "140105001001",
        at(10, 9, month=4),
        capacity=2,
        taken=2,
        status="done",
        area="education",
        program_name="希望工程",
        villagers=12,
        poor=5,
    )
    n2 = activity(
        "need",
        "140105002001",
        at(1, 7, minute=30),
        capacity=3,
        taken=1,
        status="open",
        area="medical",
        created=at(1, 9, month=11),
    )
    activity("need", "140105001002", at(10, 9, month=5), capacity=2, taken=0, status="rejected", area="education")
    activity(
        "need",
        "140106001001",
        at(10, 9, month=6),
        capacity=1,
        taken=1,
        status="done",
        area="culture",
        program_name="七彩假期",
    )
    n5 = activity(
        "need",
        "140105001001",
        at(15, 9, month=1),
        capacity=5,
        taken=2,
        status="done",
        area="education",
        created=at(20, 9, month=12, year=2025),
        program_name="希望工程",
        villagers=8,
        poor=2,
    )
    s1 = activity(
        "night_school",
        "140105001001",
        at(5, 19, month=5),
        capacity=30,
        taken=4,
        status="done",
        program_name="七彩假期",
        villagers=30,
    )
    activity("lecture_hall", "140105002001", at(5, 19), capacity=30, taken=2, status="open")
    activity("night_school", "140105001002", at(1, 19, month=6), capacity=30, taken=0, status="cancelled")
    s4 = activity(
        "lecture_hall",
        "140106001001",
        at(1, 9, month=7),
        capacity=20,
        taken=5,
        status="done",
        program_name="希望工程",
        villagers=15,
        poor=6,
    )

    record(v1, n1, at(10, 9, month=4), 120)
    record(v2, n1, at(10, 9, month=4), 90)
    record(v1, s1, at(5, 19, month=5), 120)
    record(v2, s1, at(5, 19, month=5), None, status="checked_out")
    record(v3, s1, at(5, 19, month=5), 60)
    record(v6, n5, at(15, 9, month=1), 60)
    record(v3, n2, at(1, 8), 30)
    record(v5, s4, at(1, 9, month=7), 90)
    record(v1, s4, at(1, 9, month=7), None, status="checked_out")
    record(v4, n5, at(28, 9, month=12, year=2025), 60)
    rollup.rebuild()  # written around the operations, so summed again, as after a bulk load
    db.session.commit()
