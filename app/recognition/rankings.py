"""What anyone may read: the published list of pioneers, and each county's hours ranking of the volunteers who
opted in to be listed (Volunteer.listed, set by the volunteer on their profile), both by display name only."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from app.attendance.models import ServiceRecord
from app.extensions import db
from app.recognition.models import Nomination
from app.recognition.operations import display_name
from app.regions import operations as regions
from app.regions.models import Region
from app.stats import queries as stats
from app.volunteers.models import Volunteer

#: How many a ranking shows.
RANKING_SIZE = 50


@dataclass
class Pioneer:
    name: str
    county_code: str
    county_name: str
    year: int
    story: str


def pioneers(*, year: int | None = None, county: str | None = None) -> list[Pioneer]:
    """Published nominations, newest year first (a volunteer who withdrew since is left out)."""
    query = (
        select(Nomination, Volunteer, Region.name)
        .join(Volunteer, Volunteer.id == Nomination.volunteer_id)
        .join(Region, Region.code == Nomination.county_code)
        .where(Nomination.status == "published", Volunteer.withdrawn_at.is_(None))
    )
    if year is not None:
        query = query.where(Nomination.year == year)
    if county is not None:
        query = query.where(Nomination.county_code == county)
    rows = db.session.execute(query.order_by(Nomination.year.desc(), Nomination.county_code, Nomination.id))
    return [
        Pioneer(display_name(volunteer.name), nomination.county_code, county_name, nomination.year, nomination.story)
        for nomination, volunteer, county_name in rows
    ]


@dataclass
class Ranked:
    rank: int
    name: str
    hours: float


def hours_ranking(county_code: str, year: int, *, limit: int = RANKING_SIZE) -> list[Ranked]:
    """Listed volunteers living in the county, by confirmed hours of records checked in during the year."""
    county = regions.ensure_exists(county_code, field_name="county", levels=("county",))
    span = stats.Period(date(year, 1, 1), date(year, 12, 31))
    minutes = func.sum(ServiceRecord.confirmed_minutes).label("minutes")
    rows = db.session.execute(
        select(Volunteer.id, Volunteer.name, minutes)
        .join(ServiceRecord, ServiceRecord.volunteer_id == Volunteer.id)
        .where(
            Volunteer.listed.is_(True),
            Volunteer.withdrawn_at.is_(None),
            Volunteer.home_region_code.like(county.code + "%"),
            ServiceRecord.status == "confirmed",
            ServiceRecord.checked_in_at >= span.starts_at,
            ServiceRecord.checked_in_at < span.ends_at,
        )
        .group_by(Volunteer.id, Volunteer.name)
        .order_by(minutes.desc(), Volunteer.id)
        .limit(limit)
    )
    ranked, place, previous = [], 0, None
    for index, (_id, name, total) in enumerate(rows, start=1):
        if total != previous:  # equal hours share a place (1, 2, 2, 4)
            place, previous = index, total
        ranked.append(Ranked(place, display_name(name), int(total or 0) / 60))
    return ranked
