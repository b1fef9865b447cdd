"""The demo's stage: its clock (a timeline of events), its cast, and what the landing page and
`seed-demo` read back of the story (what is under way now, what was added)."""

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.accounts.models import User
from app.activities.models import LIVE, Activity, Signup
from app.attendance.models import Certificate, ServiceRecord
from app.broadcasts.models import Broadcast
from app.core import clock
from app.core.clock import SERVICE_ZONE

#: The village the README and the landing page use: its secretary is dev:secretary-140105001001.
from app.demo.script import (
    HERO_VILLAGE,
    NOW_TITLES,
)
from app.extensions import db
from app.volunteers.models import Volunteer
from app.wechat.gateway import SandboxGateway


def at_local(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=SERVICE_ZONE)


class Timeline:
    """Events in time order; playing one moves the clock to its moment first."""

    def __init__(self):
        self._events: list = []
        self._order = itertools.count()

    def at(self, moment: datetime, action: Callable, *args) -> None:
        heapq.heappush(self._events, (moment, next(self._order), action, args))

    def play(self, until: datetime) -> None:
        while self._events and self._events[0][0] <= until:
            moment, _, action, args = heapq.heappop(self._events)
            clock.freeze(moment)
            action(*args)
        self._events.clear()  # what would happen later has not happened yet


@dataclass
class DemoVolunteer:
    number: int
    volunteer_id: int
    user_id: int
    home: str
    areas: set[str] = field(default_factory=set)


def happening_now(now: datetime) -> list[Activity]:
    """The demo's activities in the hero village open for check-in at `now`, for half an hour more at least."""
    opens = timedelta(minutes=current_app.config["CHECKIN_OPENS_MINUTES"])
    return list(
        db.session.scalars(
            select(Activity)
            .where(
                Activity.village_code == HERO_VILLAGE,
                Activity.title.in_(NOW_TITLES),
                Activity.status.in_(LIVE),
                Activity.starts_at <= now + opens,
                Activity.ends_at > now + timedelta(minutes=30),
            )
            .order_by(Activity.type.desc(), Activity.id)
        )
    )


#: Who has a seat in the activity under way but has not scanned the code yet, by activity type.
TRY_CHECKIN = {"session": 1, "need": 3}


def try_it(activity: Activity) -> str:
    """What the demo volunteer kept for trying can do in an activity under way, in words."""
    number = TRY_CHECKIN[activity.type]
    record = db.session.scalar(
        select(ServiceRecord.status)
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .join(User, User.id == Volunteer.user_id)
        .where(ServiceRecord.activity_id == activity.id, User.openid == openid(f"volunteer-{number}"))
    )
    state = {None: "已报名、尚未签到", "checked_in": "已签到、尚未签退"}.get(record, "已签到并签退")
    return f"dev:volunteer-{number} {state}"


def next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def openid(name: str) -> str:
    return SandboxGateway().code_to_session(f"dev:{name}").openid


def table_counts() -> dict[str, int]:
    """How many rows the story's tables hold, to say what a run added."""
    counted = {
        "needs": select(func.count()).select_from(Activity).where(Activity.type == "need"),
        "sessions": select(func.count()).select_from(Activity).where(Activity.type == "session"),
        "signups": select(func.count()).select_from(Signup),
        "records": select(func.count()).select_from(ServiceRecord),
        "confirmed": select(func.count()).select_from(ServiceRecord).where(ServiceRecord.status == "confirmed"),
        "certificates": select(func.count()).select_from(Certificate),
        "broadcasts": select(func.count()).select_from(Broadcast),
    }
    return {name: db.session.scalars(query).one() for name, query in counted.items()}
