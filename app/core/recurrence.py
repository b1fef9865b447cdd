"""Recurring series as RFC 5545 rules (dateutil.rrule), read in the service's zone.

A secretary says "every Tuesday 19:30 for twelve weeks" as FREQ=WEEKLY;BYDAY=TU;COUNT=12 with the
first start; occurrences keep the local wall-clock time across the year.
"""

from datetime import datetime, timedelta

from dateutil.rrule import rrule, rrulestr

from app.core.clock import SERVICE_ZONE

ALLOWED_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY"}


class RecurrenceError(ValueError):
    """A rule people cannot use; the message is Chinese, for the field error."""


def parse(rule: str, first_start: datetime, *, max_days: int) -> rrule:
    """The rule anchored at `first_start` (its wall-clock time in the service's zone)."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    try:
        parts = dict(part.split("=", 1) for part in text.upper().split(";") if part)
        parsed = rrulestr(text, dtstart=_wall(first_start))
    except (ValueError, TypeError) as exc:
        raise RecurrenceError("重复规则格式不正确（应为 RFC 5545 RRULE，如 FREQ=WEEKLY;BYDAY=TU;COUNT=12）") from exc
    if parts.get("FREQ") not in ALLOWED_FREQUENCIES:
        raise RecurrenceError("重复频率只能是每天（DAILY）、每周（WEEKLY）或每月（MONTHLY）")
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise RecurrenceError("重复规则必须给出 COUNT 或 UNTIL")
    if parsed.after(_wall(first_start), inc=True) is None:
        raise RecurrenceError("按此规则没有任何一次活动")
    if parsed.after(_wall(first_start) + timedelta(days=max_days)) is not None:
        raise RecurrenceError(f"重复系列最长 {max_days} 天")
    return parsed


def _wall(moment: datetime) -> datetime:
    return moment.astimezone(SERVICE_ZONE).replace(tzinfo=None)


def occurrences(parsed: rrule, after: datetime, until: datetime) -> list[datetime]:
    """Starts in [after, until), as aware datetimes in the service's zone."""
    starts = parsed.between(_wall(after), _wall(until), inc=True)
    return [start.replace(tzinfo=SERVICE_ZONE) for start in starts if start < _wall(until)]
