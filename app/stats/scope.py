"""What the statistics count, as predicates shared by the region figures (app.stats.queries) and the
program figures (app.stats.programs): the period asked for, and which needs, sessions and activities
of a region's villages fall within it."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_

from app.activities.models import Activity
from app.core.clock import SERVICE_ZONE

HELD_STATUSES = ("open", "filled", "done")
NOT_POSTED = ("rejected", "cancelled")


@dataclass(frozen=True)
class Period:
    """China dates, both included; the UTC moments that bound them."""

    start: date
    end: date

    @property
    def starts_at(self) -> datetime:
        return midnight(self.start)

    @property
    def ends_at(self) -> datetime:
        """Exclusive: midnight after `end`, in China."""
        return midnight(self.end + timedelta(days=1))

    @property
    def month_starts_at(self) -> datetime:
        return midnight(self.end.replace(day=1))

    @property
    def year_starts_at(self) -> datetime:
        return midnight(self.end.replace(month=1, day=1))


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), SERVICE_ZONE)


def in_scope(column: Any, prefix: str) -> ColumnElement[bool]:
    return column.like(prefix + "%")


def posted(span: Period, prefix: str) -> ColumnElement[bool]:
    return and_(
        Activity.type == "need",
        Activity.created_at >= span.starts_at,
        Activity.created_at < span.ends_at,
        Activity.status.not_in(NOT_POSTED),
        in_scope(Activity.village_code, prefix),
    )


def held(span: Period, prefix: str, now: datetime) -> ColumnElement[bool]:
    return and_(
        Activity.type == "session",
        Activity.status.in_(HELD_STATUSES),
        Activity.starts_at >= span.starts_at,
        Activity.starts_at < min(span.ends_at, now),
        in_scope(Activity.village_code, prefix),
    )


def reached_in(span: Period, prefix: str, now: datetime) -> ColumnElement[bool]:
    """Activities of the region's villages that took place within the period (began, and before now),
    not cancelled or rejected: the ones whose villagers reached count."""
    return and_(
        Activity.villagers.is_not(None),
        Activity.status.not_in(NOT_POSTED),
        Activity.starts_at >= span.starts_at,
        Activity.starts_at < min(span.ends_at, now),
        in_scope(Activity.village_code, prefix),
    )


def activity_figures(span: Period, prefix: str, now: datetime) -> tuple[list[Any], ColumnElement[bool]]:
    """The aggregates of needs posted, sessions held (with who came, activities.attendees, counted by
    check-in) and villagers reached, each over its own condition, and the condition any row must meet:
    one scan of the activities gives all of them, grouped as the caller likes."""
    is_posted, is_held, is_reached = posted(span, prefix), held(span, prefix, now), reached_in(span, prefix, now)

    def total(column: Any, where: ColumnElement[bool], name: str) -> Any:
        return func.sum(column).filter(where).label(name)

    figures = [
        func.count().filter(is_posted).label("needs_posted"),
        func.count().filter(is_posted, Activity.taken >= Activity.capacity).label("needs_filled"),
        total(Activity.capacity, is_posted, "slots"),
        total(Activity.taken, is_posted, "slots_taken"),
        func.count().filter(is_held).label("sessions_held"),
        total(Activity.capacity, is_held, "session_capacity"),
        total(Activity.taken, is_held, "session_signups"),
        total(Activity.attendees, is_held, "session_attendees"),
        total(Activity.villagers, is_reached, "villagers"),
        total(Activity.poor_households, is_reached, "villagers_poor"),
    ]
    return figures, and_(in_scope(Activity.village_code, prefix), or_(is_posted, is_held, is_reached))
