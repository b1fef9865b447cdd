"""The demo's dispatcher: open needs that suit demo volunteers, and one dispatch round per demo county, so that
dev:volunteer-N accounts have offers to see, accept and decline (`flask seed-demo`, its last step).

Each demo county gets one approved need with free seats shaped after one of its own volunteers (dev:volunteer-1
for the county they live in; elsewhere the first demo volunteer there with a team and a weekly window): in their
village, in one of their teams' areas, no special skills, at their weekly window on a day 3–9 days ahead. The
county's other volunteers in that team and free then are within reach (the same county). Then
`rounds.run_round(None, county)` for every demo county offers it and the other open needs, as the hourly bot job
would. Written once: a second run finds the needs and runs no round (so it adds nothing).
"""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.activities.models import Activity
from app.core import clock
from app.demo.stage import at_local
from app.demo.story import Story
from app.dispatch import rounds
from app.dispatch.models import Offer
from app.extensions import db
from app.needs import operations as needs
from app.needs.schemas import NeedIn
from app.volunteers.models import Volunteer
from config.catalog import AREAS

TITLE = "派单演示：{area}志愿服务"
DESCRIPTION = "派单机器人按就近、技能和近期服务情况邀请志愿者；收到邀请后可在小程序中接受或婉拒。"
SLOTS = 3
#: The need falls on the volunteer's weekday this many days ahead at the soonest (sign-up open, within the horizon).
SOONEST = timedelta(days=3)


def offer_round(plot: Story, counties: list[str], now: datetime) -> int:
    """Post the counties' dispatch needs (once) and run one round per county; answers the offers made."""
    titles = {TITLE.format(area=name) for name in AREAS.values()}
    if db.session.scalar(select(Activity.id).where(Activity.title.in_(titles)).limit(1)) is not None:
        return 0  # written on an earlier run: the bot's rounds take it from here
    for county in counties:
        _post_for(plot, county, now)
    before = db.session.scalar(select(Offer.id).order_by(Offer.id.desc()).limit(1)) or 0
    for county in counties:
        rounds.run_round(None, county)
    return len(db.session.scalars(select(Offer.id).where(Offer.id > before)).all())


def _post_for(plot: Story, county: str, now: datetime) -> None:
    windows = {
        row.id: row.availability or []
        for row in db.session.execute(
            select(Volunteer.id, Volunteer.availability).where(
                Volunteer.id.in_([v.volunteer_id for v in plot.volunteers if v.home.startswith(county)])
            )
        )
    }
    lead = next(
        (
            v
            for v in plot.volunteers
            if v.home.startswith(county) and len(v.home) == 12 and v.areas and windows.get(v.volunteer_id)
        ),
        None,
    )
    if lead is None:
        return
    window = sorted(windows[lead.volunteer_id], key=lambda w: (w["weekday"], w["start"]))[0]
    area = sorted(lead.areas)[0]
    day = _next(clock.local(now).date() + SOONEST, int(window["weekday"]))
    starts_at = at_local(day, time.fromisoformat(window["start"]))
    ends_at = at_local(day, time.fromisoformat(window["end"]))
    data = NeedIn(
        area=area,
        title=TITLE.format(area=AREAS[area]),
        description=DESCRIPTION,
        village=lead.home,
        starts_at=starts_at,
        ends_at=ends_at,
        slots=SLOTS,
        skills=[],
    )
    need = needs.post(plot.secretary(lead.home), data)
    needs.review(plot.reviewer(lead.home), need, approve=True, reason=None)


def _next(day: date, weekday: int) -> date:
    """The first day on or after `day` that is ISO weekday `weekday` (1 Monday … 7 Sunday)."""
    return day + timedelta(days=(weekday - day.isoweekday()) % 7)
