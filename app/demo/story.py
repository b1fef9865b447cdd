"""What the demo province has been doing (the script is app/demo/script.py): the activities part of `flask seed-demo`.

Everything happens through the domain operations, each at the moment it would have happened: the
clock is moved along one timeline (sign-ups before the start, check-in around the start, check-out
around the end, the secretary confirming afterwards), so every record carries true-looking times
and is confirmed by the village's secretary. Events after "now" are not played: their records wait
for confirmation, as real ones would.

Idempotent: the five weeks of history are written once (recognised by their titles); an activity in
progress is added only when none of the demo's is in progress, so a second run changes nothing.
"""

import contextlib
import random
from datetime import date, datetime, timedelta

import click
from sqlalchemy import func, select

from app.accounts.models import StaffAccount, User
from app.activities import lifecycle, signups
from app.activities.models import LIVE, Activity, Signup
from app.attendance import certificates
from app.attendance import codes as checkin_codes
from app.attendance import operations as attendance
from app.attendance.models import ServiceRecord
from app.broadcasts import operations as broadcasts
from app.broadcasts.schemas import BroadcastIn
from app.core import auth, clock
from app.core.access import Principal, covers
from app.core.errors import Conflict

#: The village the README and the landing page use: its secretary is dev:secretary-140105001001.
from app.demo.script import (
    AWAITING_CONFIRMATION,
    BROADCAST,
    HERO_VILLAGE,
    HEROES,
    HISTORY,
    HISTORY_TITLES,
    NEED_PROGRAMS,
    NOW_NEED,
    NOW_SESSION,
    NOW_TITLES,
    PAST_NEEDS,
    PENDING_NEEDS,
    REJECTED_NEED,
    REJECTION_REASON,
    RELAY,
    REVIEWERS,
    SERIES,
    SESSION_PROGRAMS,
    UPCOMING_NEEDS,
    WEEKDAYS,
)
from app.demo.stage import DemoVolunteer, Timeline, at_local, happening_now, next_weekday, openid
from app.extensions import db
from app.needs import operations as needs
from app.needs.schemas import NeedIn
from app.programs.models import Program
from app.sessions import operations as sessions
from app.sessions.schemas import SessionIn
from app.volunteers.models import TeamMembership, Volunteer


class Story:
    def __init__(self, rng: random.Random, now: datetime, volunteer_count: int):
        self.rng, self.now = rng, now.replace(microsecond=0)
        self.timeline = Timeline()
        self._principals: dict[int, Principal] = {}
        self.volunteers = self._demo_volunteers(volunteer_count)
        self.by_number = {v.number: v for v in self.volunteers}
        self.records: dict[int, list[int]] = {}  # activity id → records checked out, to confirm
        self._programs: dict[str, int | None] = {}

    # --- who ---------------------------------------------------------------------------------

    def _demo_volunteers(self, count: int) -> list[DemoVolunteer]:
        openids = {openid(f"volunteer-{n}"): n for n in range(1, count + 1)}
        rows = db.session.execute(
            select(User.openid, Volunteer.id, Volunteer.user_id, Volunteer.home_region_code)
            .join(Volunteer, Volunteer.user_id == User.id)
            .where(User.openid.in_(openids), Volunteer.withdrawn_at.is_(None))
        )
        found = {row.id: DemoVolunteer(openids[row.openid], row.id, row.user_id, row.home_region_code) for row in rows}
        for volunteer_id, area in db.session.execute(
            select(TeamMembership.volunteer_id, TeamMembership.area).where(TeamMembership.volunteer_id.in_(found))
        ):
            found[volunteer_id].areas.add(area)
        return sorted(found.values(), key=lambda v: v.number)

    def principal(self, user_id: int) -> Principal:
        if user_id not in self._principals:
            principal = auth.build_principal(user_id)
            if principal is None:
                raise click.ClickException(f"演示用户 {user_id} 不存在")
            self._principals[user_id] = principal
        return self._principals[user_id]

    def secretary(self, village: str) -> Principal:
        user_id = db.session.scalars(select(User.id).where(User.openid == openid(f"secretary-{village}"))).one()
        return self.principal(user_id)

    def staff(self, username: str) -> Principal:
        user_id = db.session.scalars(select(StaffAccount.user_id).where(StaffAccount.username == username)).one()
        return self.principal(user_id)

    def reviewer(self, village: str) -> Principal:
        username = next(name for name, region in REVIEWERS if covers(region, village))
        return self.staff(username)

    def pick(self, village: str, k: int, *, area: str | None = None, exclude=()) -> list[DemoVolunteer]:
        """Volunteers living in the village's county (those in the area's team first), not heroes."""
        taken = set(exclude) | set(HEROES)
        county = [v for v in self.volunteers if v.home.startswith(village[:6]) and v.number not in taken]
        others = [v for v in self.volunteers if not v.home.startswith(village[:6]) and v.number not in taken]
        self.rng.shuffle(county)
        self.rng.shuffle(others)
        if area:
            county.sort(key=lambda v: area not in v.areas)
        return (county + others)[:k]

    # --- the story ---------------------------------------------------------------------------

    def history_exists(self) -> bool:
        return db.session.scalar(select(Activity.id).where(Activity.title.in_(HISTORY_TITLES)).limit(1)) is not None

    def write_history(self) -> None:
        """Five weeks of a province's work, played up to now."""
        start = self.now - HISTORY
        for index, series in enumerate(SERIES):
            self.timeline.at(start + timedelta(minutes=10 * index), self._schedule_series, *series)
        self.timeline.at(start + timedelta(hours=2), self._relay_post)
        for index, need in enumerate(PAST_NEEDS):
            posted = start + timedelta(days=1, minutes=30 * index)
            day = clock.local(start).date() + timedelta(days=need[5])
            self.timeline.at(posted, self._post_need, need, day, True, posted + timedelta(hours=4))
        for index, need in enumerate(UPCOMING_NEEDS):
            posted = self.now - timedelta(days=6, minutes=-40 * index)
            day = clock.local(self.now).date() + timedelta(days=need[5])
            self.timeline.at(posted, self._post_need, need, day, True, posted + timedelta(hours=20))
        for index, need in enumerate(PENDING_NEEDS):
            posted = self.now - timedelta(hours=26 - 3 * index)
            day = clock.local(self.now).date() + timedelta(days=need[5])
            self.timeline.at(posted, self._post_need, need, day, None, None)
        posted = self.now - timedelta(days=3)
        day = clock.local(self.now).date() + timedelta(days=REJECTED_NEED[5])
        self.timeline.at(posted, self._post_need, REJECTED_NEED, day, False, posted + timedelta(hours=22))
        self.timeline.at(self.now - timedelta(days=2, hours=3), self._broadcast)
        self.timeline.at(self.now - timedelta(hours=20), self._certificates)

    def happening(self) -> list[Activity]:
        """The demo's activities under way now (and not about to end)."""
        return happening_now(self.now)

    def start_now(self) -> None:
        """An activity of each kind under way in the hero village: started half an hour ago, or
        (after an earlier one about to end) starting when that one ends, check-in already open."""
        starts = (self.now - timedelta(minutes=30)).replace(second=0)
        earlier = db.session.scalar(
            select(func.max(Activity.ends_at)).where(
                Activity.village_code == HERO_VILLAGE,
                Activity.title.in_(NOW_TITLES),
                Activity.status.in_(LIVE),
            )
        )
        if earlier is not None and earlier > starts:
            starts = earlier  # the heroes' seats must not clash with the earlier ones
        ends = starts + timedelta(hours=3)
        self.timeline.at(self.now - timedelta(days=3), self._now_activities, starts, ends)

    def play(self) -> None:
        self.timeline.at(self.now, self._finish)
        self.timeline.play(self.now)

    # --- events ------------------------------------------------------------------------------

    def _schedule_series(self, village, kind, topic, title, description, weekday, starts, minutes, capacity):
        first = next_weekday(clock.local(clock.now()).date() + timedelta(days=2), weekday)
        first_start = at_local(first, starts)
        data = SessionIn(
            kind=kind,
            topic=topic,
            title=title,
            description=description,
            village=village,
            starts_at=first_start,
            ends_at=first_start + timedelta(minutes=minutes),
            capacity=capacity,
            recurrence=f"FREQ=WEEKLY;BYDAY={WEEKDAYS[weekday]};COUNT=52",
            program_id=self._program(SESSION_PROGRAMS.get(kind)),
        )
        session = sessions.schedule(self.secretary(village), data)[0]
        assert session.series_id is not None  # scheduled with a recurrence
        for occurrence in self._occurrences(session.series_id):
            self._plan_attendance(occurrence, self.rng.randint(4, 9), waitlist=True)

    def _relay_post(self):
        village, area, title, description, skills, weekday, starts, minutes = RELAY
        first = next_weekday(clock.local(clock.now()).date() + timedelta(days=2), weekday)
        first_start = at_local(first, starts)
        data = NeedIn(
            area=area,
            title=title,
            description=description,
            village=village,
            starts_at=first_start,
            ends_at=first_start + timedelta(minutes=minutes),
            slots=1,
            skills=skills,
            recurrence=f"FREQ=WEEKLY;BYDAY={WEEKDAYS[weekday]};COUNT=52",
            relay=True,
            program_id=self._program("扶贫接力计划"),
        )
        need = needs.post(self.secretary(village), data)
        self.timeline.at(clock.now() + timedelta(hours=3), self._review, need.id, True, None)
        self.timeline.at(clock.now() + timedelta(hours=4), self._plan_series_needs, need.series_id)

    def _plan_series_needs(self, series_id: int):
        for occurrence in self._occurrences(series_id):
            self._plan_attendance(occurrence, 1, waitlist=False)

    def _post_need(self, need, day: date, approve: bool | None, reviewed_at: datetime | None):
        village, area, title, description, skills, _, starts, minutes, slots = need
        starts_at = at_local(day, starts)
        data = NeedIn(
            area=area,
            title=title,
            description=description,
            village=village,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes),
            slots=slots,
            skills=skills,
            program_id=self._program(NEED_PROGRAMS.get(area)),
        )
        posted = needs.post(self.secretary(village), data)
        if approve is None or reviewed_at is None:
            return
        reason = None if approve else REJECTION_REASON
        self.timeline.at(reviewed_at, self._review, posted.id, approve, reason)
        if approve:
            wanted = slots if self.rng.random() < 0.3 else self.rng.randint(1, slots)
            self.timeline.at(reviewed_at + timedelta(minutes=1), self._plan_need, posted.id, wanted)

    def _review(self, need_id: int, approve: bool, reason: str | None):
        need = db.session.get_one(Activity, need_id)
        needs.review(self.reviewer(need.village_code), need, approve=approve, reason=reason)

    def _plan_need(self, need_id: int, wanted: int):
        need = db.session.get_one(Activity, need_id)
        # dev:volunteer-1 planted pines too, and guided visitors yesterday.
        extra = [1] if need.title in (PAST_NEEDS[1][2], AWAITING_CONFIRMATION) else []
        self._plan_attendance(need, wanted, waitlist=False, heroes=extra)

    def _occurrences(self, series_id: int) -> list[Activity]:
        return list(
            db.session.scalars(select(Activity).where(Activity.series_id == series_id).order_by(Activity.starts_at))
        )

    def _plan_attendance(self, activity: Activity, wanted: int, *, waitlist: bool, heroes=()) -> None:
        """Sign-ups over the days before; then, for what has ended, check-in, check-out, confirmation."""
        if activity.starts_at > self.now + timedelta(days=10):
            return  # far ahead: nobody has signed up yet
        if activity.village_code == HERO_VILLAGE and activity.type == "session":
            heroes = (1, 2, 3)
        if activity.type == "session" and activity.capacity <= 10:
            wanted = activity.capacity + 2  # the small hall fills up: two on the waitlist
        people = [self.by_number[n] for n in heroes if n in self.by_number]
        people += self.pick(activity.village_code, wanted, area=activity.area)
        opened = max(clock.now(), activity.starts_at - timedelta(days=7))
        closes = min(activity.starts_at - timedelta(hours=3), self.now)
        if closes <= opened:
            return
        span = (closes - opened).total_seconds()
        for person in people:
            moment = opened + timedelta(seconds=self.rng.uniform(0.05, 1) * span)
            self.timeline.at(moment.replace(microsecond=0), self._sign_up, activity.id, person, waitlist)
        if activity.ends_at < self.now:
            self.timeline.at(activity.starts_at - timedelta(minutes=30), self._attend, activity.id)

    def _sign_up(self, activity_id: int, person: DemoVolunteer, waitlist: bool):
        activity = db.session.get_one(Activity, activity_id)
        # A clash with another of their sign-ups, or no seat left: as in life, they skip this one.
        with contextlib.suppress(Conflict):
            signups.sign_up(self.principal(person.user_id), activity.type, activity_id, waitlist=waitlist)

    def _attend(self, activity_id: int):
        """Who has a seat arrives (most of them), stays, and leaves; the secretary confirms later."""
        activity = db.session.get_one(Activity, activity_id)
        seated = db.session.execute(
            select(Signup.volunteer_id, Volunteer.user_id)
            .join(Volunteer, Volunteer.id == Signup.volunteer_id)
            .where(Signup.activity_id == activity_id, Signup.status == "confirmed")
        ).all()
        heroes = {self.by_number[n].volunteer_id for n in HEROES if n in self.by_number}
        # People come and go in a few groups, each scanning the code on the secretary's screen
        # within a minute or so (one code per group: the screen shows a new one every 90 seconds).
        arrivals = [activity.starts_at + timedelta(minutes=m) for m in (-18, -7, 2)]
        departures = [activity.ends_at + timedelta(minutes=m) for m in (-3, 4)]
        last_out = activity.ends_at
        for volunteer_id, user_id in seated:
            if volunteer_id not in heroes and self.rng.random() < 0.1:
                continue  # did not come
            arrive = self.rng.choice(arrivals) + timedelta(seconds=self.rng.randint(0, 80))
            leave = self.rng.choice(departures) + timedelta(seconds=self.rng.randint(0, 80))
            self.timeline.at(arrive, self._check_in, activity_id, user_id)
            self.timeline.at(leave, self._check_out, activity_id, user_id)
            last_out = max(last_out, leave)
        if activity.title != AWAITING_CONFIRMATION:
            confirm = last_out + timedelta(minutes=self.rng.randint(20, 20 * 60))
            self.timeline.at(confirm, self._confirm, activity_id)

    def _code(self, activity_id: int) -> str:
        activity = db.session.get_one(Activity, activity_id)
        return checkin_codes.issue_code(self.secretary(activity.village_code), activity).code.code

    def _check_in(self, activity_id: int, user_id: int):
        attendance.check_in(self.principal(user_id), self._code(activity_id))

    def _check_out(self, activity_id: int, user_id: int):
        record = attendance.check_out(self.principal(user_id), self._code(activity_id))
        self.records.setdefault(activity_id, []).append(record.id)

    def _confirm(self, activity_id: int):
        activity = db.session.get_one(Activity, activity_id)
        secretary = self.secretary(activity.village_code)
        # The villagers who came, as the secretary counts them; drawn apart from self.rng so the rest of
        # the story stays as it was.
        counting = random.Random(activity_id)
        villagers = counting.randint(8, 40)
        poor = counting.randint(0, villagers // 3)
        for record_id in self.records.pop(activity_id, []):
            attendance.confirm(secretary, record_id, hours=None, reason=None, villagers=villagers, poor_households=poor)

    def _program(self, name: str | None) -> int | None:
        if name is None:
            return None
        if name not in self._programs:
            self._programs[name] = db.session.scalars(select(Program.id).where(Program.name == name)).first()
        return self._programs[name]

    def _certificates(self):
        """dev:volunteer-1 and the four with the most confirmed hours ask for a certificate."""
        totals = func.sum(ServiceRecord.confirmed_minutes)
        leaders = db.session.scalars(
            select(ServiceRecord.volunteer_id)
            .where(ServiceRecord.status == "confirmed", ServiceRecord.confirmed_minutes > 0)
            .group_by(ServiceRecord.volunteer_id)
            .order_by(totals.desc(), ServiceRecord.volunteer_id)
            .limit(5)
        )
        users = {v.volunteer_id: v.user_id for v in self.volunteers}
        chosen = [self.by_number[1].volunteer_id] if 1 in self.by_number else []
        chosen += [v for v in leaders if v not in chosen][: 5 - len(chosen)]
        for volunteer_id in chosen:
            if attendance.confirmed_minutes(volunteer_id) > 0 and volunteer_id in users:
                certificates.issue(self.principal(users[volunteer_id]))

    def _broadcast(self):
        title, body = BROADCAST
        audience = {"region": "140000", "roles": ["volunteer"]}
        data = BroadcastIn.model_validate({"title": title, "body": body, "audience": audience})
        broadcasts.create(self.staff("shanxi"), data)
        broadcasts.settle()  # nobody could be pushed to (no subscriptions yet): all in the inbox, sent

    def _now_activities(self, starts: datetime, ends: datetime):
        secretary = self.secretary(HERO_VILLAGE)
        when = {"village": HERO_VILLAGE, "starts_at": starts, "ends_at": ends}
        kind, topic, title, description = NOW_SESSION
        planned = {"kind": kind, "topic": topic, "title": title, "description": description, "capacity": 30}
        session = sessions.schedule(secretary, SessionIn.model_validate({**planned, **when}))[0]
        area, title, description, skills = NOW_NEED
        wanted = {"area": area, "title": title, "description": description, "slots": 3, "skills": skills}
        need = needs.post(secretary, NeedIn.model_validate({**wanted, **when}))
        self.timeline.at(clock.now() + timedelta(hours=5), self._review, need.id, True, None)
        signups = [(session, n) for n in (1, 2, 4)] + [(need, n) for n in (3, 5)]
        signups += [(session, v.number) for v in self.pick(HERO_VILLAGE, 4)]
        for index, (activity, number) in enumerate(signups):
            if number in self.by_number:
                moment = clock.now() + timedelta(days=1, minutes=37 * index)
                self.timeline.at(moment, self._sign_up, activity.id, self.by_number[number], activity.type == "session")
        # dev:volunteer-2, -4 and -5 are already there; dev:volunteer-1 and -3 have yet to scan the code.
        for index, (activity, number) in enumerate([(session, 2), (session, 4), (need, 5)]):
            if number in self.by_number:
                moment = starts - timedelta(minutes=6) + timedelta(minutes=4 * index)
                self.timeline.at(moment, self._check_in_if_seated, activity.id, self.by_number[number].user_id)

    def _check_in_if_seated(self, activity_id: int, user_id: int):
        principal = self.principal(user_id)
        seated = db.session.scalar(
            select(Signup.id).where(
                Signup.activity_id == activity_id,
                Signup.volunteer_id == principal.volunteer_id,
                Signup.status == "confirmed",
            )
        )
        if seated is not None:
            attendance.check_in(principal, self._code(activity_id))

    def _finish(self):
        lifecycle.finish_past(self.now)  # what the bot does every few minutes
