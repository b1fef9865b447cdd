"""The weekly digest: volunteers who opted in (PATCH /volunteers/me {digest_opt_in}) get, each Monday morning, one
inbox message listing open needs near home that still have a free seat.

Near home: in the volunteer's home county, in an area whose team they belong to, starting in the next
DISPATCH_DIGEST_DAYS days (sign-up still open), at most DISPATCH_DIGEST_MAX_NEEDS, soonest first; needs they signed
up for or were offered are left out. Nothing is sent to someone with nothing to list. One message per volunteer per
ISO week (the message key), whatever how often the job runs. Everything is loaded set-based: the needs once, the
opted-in volunteers with their teams in batches of volunteer ids, their sign-ups and offers for those needs once per
batch; the messages are written per batch in one executemany.
"""

import heapq
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from flask import current_app
from sqlalchemy import func, select

from app.activities.models import Activity, Signup
from app.core import clock
from app.dispatch import offers
from app.dispatch.models import Offer
from app.extensions import db
from app.notify import operations as notify
from app.notify.models import Message
from app.regions.models import Region
from app.volunteers.models import TeamMembership, Volunteer

#: Volunteers read per batch (their keys, sign-ups and offers in one IN list each).
BATCH = 1000


@dataclass(frozen=True)
class Listed:
    id: int
    title: str
    starts_at: datetime
    village_name: str
    missing: int


def week_key(volunteer_id: int, now: datetime) -> str:
    """The message key: one digest per volunteer per ISO week (as people in the service's zone count weeks)."""
    year, week, _ = clock.local(now).isocalendar()
    return f"weekly-digest:{year}-W{week:02d}:{volunteer_id}"


def send_weekly(now: datetime | None = None) -> int:
    """Queue this week's digest for every opted-in volunteer with something to read. Answers how many were queued."""
    now = now or clock.now()
    config = current_app.config
    limit, days = int(config["DISPATCH_DIGEST_MAX_NEEDS"]), int(config["DISPATCH_DIGEST_DAYS"])
    nearby = _open_needs(now, days=days)
    if not nearby:
        return 0
    counties = sorted({county for county, _area in nearby})
    areas = sorted({area for _county, area in nearby})
    queued, after = 0, 0
    while True:
        last, readers = _readers(counties, areas, after)
        if last is None:
            return queued
        after = last
        queued += _send(readers, nearby, limit, now, days)


def _open_needs(now: datetime, *, days: int) -> dict[tuple[str, str], list[Listed]]:
    """Open needs with a free unheld seat whose sign-up is still open, starting within `days`: per (county, area),
    soonest first."""
    closes = now + timedelta(minutes=int(current_app.config["SIGNUP_CLOSE_MINUTES"]))
    rows = db.session.execute(
        select(
            Activity.id,
            Activity.title,
            Activity.starts_at,
            Activity.village_code,
            Activity.area,
            (Activity.capacity - Activity.taken - Activity.held).label("missing"),
            Region.name.label("village_name"),
        )
        .join(Region, Region.code == Activity.village_code)
        .where(
            *offers.short_of_seats(),
            Activity.starts_at > closes,
            Activity.starts_at <= now + timedelta(days=days),
        )
        .order_by(Activity.starts_at, Activity.id)
    ).all()
    found: dict[tuple[str, str], list[Listed]] = defaultdict(list)
    for row in rows:
        found[(row.village_code[:6], row.area)].append(
            Listed(row.id, row.title, row.starts_at, row.village_name, row.missing)
        )
    return dict(found)


@dataclass
class Reader:
    user_id: int
    county: str
    areas: list[str]


def _readers(counties: Sequence[str], areas: Sequence[str], after: int) -> tuple[int | None, dict[int, Reader]]:
    """The next batch (by volunteer id, after `after`) of opted-in, not withdrawn volunteers whose home county has
    needs, with their teams in the areas needed: (the batch's last id, or None when there are no more; readers)."""
    county = func.substr(Volunteer.home_region_code, 1, 6)
    ids = list(
        db.session.scalars(
            select(Volunteer.id)
            .where(
                Volunteer.digest_opt_in.is_(True),
                Volunteer.withdrawn_at.is_(None),
                Volunteer.id > after,
                county.in_(counties),
            )
            .order_by(Volunteer.id)
            .limit(BATCH)
        )
    )
    if not ids:
        return None, {}
    readers: dict[int, Reader] = {}
    for volunteer_id, user_id, home, area in db.session.execute(
        select(Volunteer.id, Volunteer.user_id, county, TeamMembership.area)
        .join(TeamMembership, TeamMembership.volunteer_id == Volunteer.id)
        .where(Volunteer.id.in_(ids), TeamMembership.area.in_(areas))
        .order_by(Volunteer.id, TeamMembership.area)
    ):
        readers.setdefault(volunteer_id, Reader(user_id, home, [])).areas.append(area)
    return ids[-1], readers


def _send(
    readers: dict[int, Reader], nearby: dict[tuple[str, str], list[Listed]], limit: int, now: datetime, days: int
) -> int:
    if not readers:
        return 0
    keys = {vid: week_key(vid, now) for vid in readers}
    sent = set(db.session.scalars(select(Message.key).where(Message.key.in_(list(keys.values())))))
    readers = {vid: reader for vid, reader in readers.items() if keys[vid] not in sent}
    if not readers:
        return 0
    taken = _own(list(readers), now, days)
    messages = []
    for vid, reader in readers.items():
        # Each (county, area) list is soonest first: merge the volunteer's, skipping their own, until enough.
        merged = heapq.merge(*(nearby.get((reader.county, area), []) for area in reader.areas), key=_soonest)
        listed = list(islice((n for n in merged if (vid, n.id) not in taken), limit))
        if listed:
            messages.append(_message(reader.user_id, keys[vid], listed, days))
    notify.tell_many(messages)
    return len(messages)


def _soonest(need: Listed) -> tuple[datetime, int]:
    return need.starts_at, need.id


def _own(volunteer_ids: list[int], now: datetime, days: int) -> set[tuple[int, int]]:
    """(volunteer, need) pairs within the digest's days that the volunteer signed up for or was ever offered (and
    answered, or not): not news to them."""
    until = now + timedelta(days=days)
    signed = db.session.execute(
        select(Signup.volunteer_id, Signup.activity_id).where(
            Signup.volunteer_id.in_(volunteer_ids),
            Signup.status != "cancelled",
            Signup.starts_at > now,
            Signup.starts_at <= until,
        )
    )
    offered = db.session.execute(
        select(Offer.volunteer_id, Offer.activity_id)
        .join(Activity, Activity.id == Offer.activity_id)
        .where(Offer.volunteer_id.in_(volunteer_ids), Activity.starts_at > now, Activity.starts_at <= until)
    )
    return {(v, a) for v, a in signed} | {(v, a) for v, a in offered}


def _message(user_id: int, key: str, listed: list[Listed], days: int) -> dict:
    lines = [
        f"{i}. 「{n.title}」{clock.spoken(n.starts_at)}，{n.village_name}，还差 {n.missing} 人"
        for i, n in enumerate(listed, 1)
    ]
    return {
        "user_id": user_id,
        "purpose": "notice",
        "key": key,
        "title": "本周身边的志愿服务需求",
        "body": f"你家乡所在的县未来 {days} 天有这些需求还缺人：\n" + "\n".join(lines) + "\n打开小程序即可报名。",
        "link": f"need:{listed[0].id}",
        "push": False,
    }
