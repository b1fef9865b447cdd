"""Recurring series (RFC 5545 rules): starting one, materialising its occurrences a window ahead."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from app.activities.models import LIVE, Activity, Series
from app.core import audit, clock, recurrence
from app.core.access import Principal
from app.core.errors import InvalidInput
from app.extensions import db

#: What a series copies from its first occurrence into every later one.
SERIES_TEMPLATE = ("village_code", "title", "description", "area", "skills", "kind", "topic", "capacity", "program_id")


def start(principal: Principal, first: Activity, rule: str) -> Series:
    """Make `first` the first occurrence of a series and create the ones inside the window."""
    config = current_app.config
    _check_rule(rule, first.starts_at, config["SERIES_MAX_DAYS"])
    now = clock.now()
    series = Series(
        type=first.type,
        rule=rule,
        first_starts_at=first.starts_at,
        duration_minutes=int((first.ends_at - first.starts_at).total_seconds() // 60),
        template={name: getattr(first, name) for name in SERIES_TEMPLATE},
        materialized_until=first.starts_at,
        approved_at=now if first.status in LIVE else None,
        created_by=principal.user_id,
        created_at=now,
    )
    db.session.add(series)
    db.session.flush()
    first.series_id, first.occurrence_start = series.id, first.starts_at
    audit.record("create", "series", series.id, after={"rule": rule, "first": first.id}, region_code=first.village_code)
    materialize(series, now + timedelta(weeks=config["SERIES_WINDOW_WEEKS"]))
    return series


def _check_rule(rule: str, first_start: datetime, max_days: int) -> None:
    """A rule people can use, whose first occurrence is the first start itself."""
    try:
        first = recurrence.parse(rule, first_start, max_days=max_days)[0]
    except recurrence.RecurrenceError as error:
        raise InvalidInput(fields={"recurrence": str(error)}) from None
    if first != clock.local(first_start).replace(tzinfo=None):
        raise InvalidInput(fields={"recurrence": "首次开始时间须符合重复规则（如规则为每周二，首次也应在周二）"})


def materialize(series: Series, until: datetime) -> int:
    """Create the occurrences whose rule start falls before `until`; idempotent."""
    if series.cancelled_at is not None or until <= series.materialized_until:
        return 0
    template = series.template
    rule = recurrence.parse(series.rule, series.first_starts_at, max_days=10**6)
    existing = set(db.session.scalars(select(Activity.occurrence_start).where(Activity.series_id == series.id)))
    now = clock.now()
    added = []
    # However the rule reads, one run creates a bounded number; a capped run resumes where it stopped.
    limit = current_app.config["SERIES_MAX_PER_RUN"]
    starts = recurrence.occurrences(rule, series.materialized_until, until, limit=limit)
    if len(starts) == limit:
        until = starts[-1] + timedelta(seconds=1)
    for start_at in starts:
        if start_at in existing or start_at <= now:
            continue
        added.append(
            Activity(
                type=series.type,
                series_id=series.id,
                occurrence_start=start_at,
                **template,
                starts_at=start_at,
                ends_at=start_at + timedelta(minutes=series.duration_minutes),
                taken=0,
                relay=series.relay,
                status="open" if series.approved_at else "pending_review",
                created_by=series.created_by,
                created_at=now,
                updated_at=now,
            )
        )
    db.session.add_all(added)
    series.materialized_until = until
    db.session.flush()
    for activity in added:
        audit.record("create", activity.type, activity.id, after=activity.snapshot(), region_code=activity.village_code)
    return len(added)


def series_total(series_id: int) -> int:
    """How many occurrences the series has in all, materialised or not."""
    series = db.session.get_one(Series, series_id)
    return recurrence.total(recurrence.parse(series.rule, series.first_starts_at, max_days=10**6))


def window_weeks(relay: bool) -> int:
    """How many weeks ahead a series is kept materialised: relay series at least the dispatcher's relay horizon."""
    config = current_app.config
    weeks = int(config["SERIES_WINDOW_WEEKS"])
    return max(weeks, int(config["DISPATCH_RELAY_WEEKS_AHEAD"])) if relay else weeks


def mark_relay(series: Series) -> None:
    """Make a just-started weekly need series a relay post (扶贫接力): it and every occurrence so far are marked,
    and it is materialised as far ahead as the dispatcher offers relay occurrences."""
    series.relay = True
    db.session.execute(
        update(Activity)
        .where(Activity.series_id == series.id)
        .values(relay=True)
        .execution_options(synchronize_session="fetch")
    )
    audit.record(
        "update",
        "series",
        series.id,
        before={"relay": False},
        after={"relay": True},
        region_code=series.template.get("village_code"),
    )
    materialize(series, clock.now() + timedelta(weeks=window_weeks(True)))


def extend_all_series(now: datetime | None = None) -> int:
    """Keep every live series materialised a window ahead (the bot and `flask activities extend`); relay series
    at least DISPATCH_RELAY_WEEKS_AHEAD weeks."""
    now = now or clock.now()
    until = now + timedelta(weeks=window_weeks(False))
    relay_until = now + timedelta(weeks=window_weeks(True))
    series = db.session.scalars(
        select(Series).where(
            Series.cancelled_at.is_(None),
            (Series.materialized_until < until) | (Series.relay.is_(True) & (Series.materialized_until < relay_until)),
        )
    )
    return sum(materialize(s, relay_until if s.relay else until) for s in series)
