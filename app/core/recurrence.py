"""Recurring series as RFC 5545 rules (dateutil.rrule), read in the service's zone.

A secretary says "every Tuesday 19:30 for twelve weeks" as FREQ=WEEKLY;BYDAY=TU;COUNT=12 with the
first start; occurrences keep the local wall-clock time across the year.
"""

import re
from datetime import UTC, datetime, timedelta
from itertools import islice, takewhile

from dateutil.rrule import rrule, rrulestr

from app.core.clock import SERVICE_ZONE

ALLOWED_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY"}
# The start time comes from the first occurrence; more than one a day is not a series people run.
FORBIDDEN_PARTS = {"BYHOUR", "BYMINUTE", "BYSECOND", "BYSETPOS"}
MAX_INTERVAL = 52
MAX_COUNT = 500
FORMAT_HELP = "重复规则格式不正确（应为 RFC 5545 RRULE，如 FREQ=WEEKLY;BYDAY=TU;COUNT=12）"


class RecurrenceError(ValueError):
    """A rule people cannot use; the message is Chinese, for the field error."""


def parse(rule: str, first_start: datetime, *, max_days: int) -> rrule:
    """The rule anchored at `first_start` (its wall-clock time in the service's zone), checked to be
    usable: daily, weekly or monthly, bounded by COUNT or UNTIL, at most `max_days` long."""
    parts = _parts(rule)
    if parts.get("FREQ") not in ALLOWED_FREQUENCIES:
        raise RecurrenceError("重复频率只能是每天（DAILY）、每周（WEEKLY）或每月（MONTHLY）")
    if FORBIDDEN_PARTS & parts.keys():
        raise RecurrenceError("每次的开始时间取自首次活动，规则中不能指定小时、分钟或秒")
    if not _whole(parts.get("INTERVAL", "1"), 1, MAX_INTERVAL):
        raise RecurrenceError(f"INTERVAL 应为 1 到 {MAX_INTERVAL} 之间的整数")
    if "COUNT" in parts and not _whole(parts["COUNT"], 1, MAX_COUNT):
        raise RecurrenceError(f"COUNT 应为 1 到 {MAX_COUNT} 之间的整数")
    if ("COUNT" in parts) == ("UNTIL" in parts):
        raise RecurrenceError("重复规则必须给出 COUNT 或 UNTIL（二者选一）")
    start = _wall(first_start)
    if "UNTIL" in parts:
        parts["UNTIL"] = _local_until(parts["UNTIL"])
    horizon = start + timedelta(days=max_days)
    if "UNTIL" in parts and datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%S") > horizon + timedelta(days=1):
        raise RecurrenceError(f"重复系列最长 {max_days} 天")
    # dateutil scans period by period: a rule nothing matches (30 February) would be scanned to the year
    # 9999, so the checks iterate a copy that stops at the horizon.
    bound = parts.get("UNTIL", (horizon + timedelta(days=1)).strftime("%Y%m%dT%H%M%S"))
    bounded = _build({**{k: v for k, v in parts.items() if k != "COUNT"}, "UNTIL": bound}, start)
    within = list(islice(bounded, int(parts.get("COUNT", MAX_COUNT + 1))))
    if not within:
        raise RecurrenceError("按此规则没有任何一次活动")
    if within[-1] > horizon or ("COUNT" in parts and len(within) < int(parts["COUNT"])):
        raise RecurrenceError(f"重复系列最长 {max_days} 天")
    return _build(parts, start)


#: The parts of an RFC 5545 RECUR value; a rule is one line of them, nothing else.
PART_NAMES = (
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
)
_PART = r"(?:{names})=[A-Z0-9+,-]+".format(names="|".join(PART_NAMES))
_RULE = re.compile(rf"(?:RRULE:)?{_PART}(?:;{_PART})*;?")


def _parts(rule: str) -> dict[str, str]:
    # One line of known parts: a line break would let dateutil read a second rule (a set of rules,
    # escaping every limit checked here), and an unknown part is a typo nobody would notice.
    text = rule.strip().upper()
    if not _RULE.fullmatch(text):
        raise RecurrenceError(FORMAT_HELP)
    parts: dict[str, str] = {}
    for part in filter(None, text.removeprefix("RRULE:").split(";")):
        name, _, value = part.partition("=")
        if name in parts:
            raise RecurrenceError(f"重复规则中 {name} 只能出现一次")
        parts[name] = value
    return parts


def _whole(value: str, low: int, high: int) -> bool:
    return value.isascii() and value.isdigit() and low <= int(value) <= high


def _local_until(value: str) -> str:
    """UNTIL as local wall time: RFC 5545 allows a date, a local time, or a UTC time ending in Z."""
    for pattern in ("%Y%m%dT%H%M%SZ", "%Y%m%dT%H%M%S", "%Y%m%d"):
        try:
            moment = datetime.strptime(value, pattern)
        except ValueError:
            continue
        if pattern.endswith("Z"):
            moment = moment.replace(tzinfo=UTC).astimezone(SERVICE_ZONE).replace(tzinfo=None)
        elif pattern == "%Y%m%d":
            moment = moment.replace(hour=23, minute=59, second=59)
        return moment.strftime("%Y%m%dT%H%M%S")
    raise RecurrenceError("UNTIL 应为日期（20271231）或时间（20271231T235959，可带 Z 表示 UTC）")


def _build(parts: dict[str, str], start: datetime) -> rrule:
    text = ";".join(f"{name}={value}" for name, value in parts.items())
    try:
        parsed = rrulestr(text, dtstart=start, forceset=False)
    except (ValueError, TypeError, OverflowError) as exc:
        raise RecurrenceError(FORMAT_HELP) from exc
    if not isinstance(parsed, rrule):  # never a set of rules
        raise RecurrenceError(FORMAT_HELP)
    return parsed


def _wall(moment: datetime) -> datetime:
    return moment.astimezone(SERVICE_ZONE).replace(tzinfo=None)


def occurrences(parsed: rrule, after: datetime, until: datetime, *, limit: int) -> list[datetime]:
    """Starts in [after, until), at most `limit` of them, as aware datetimes in the service's zone."""
    end = _wall(until)
    starts = takewhile(lambda start: start < end, parsed.xafter(_wall(after), inc=True))
    return [start.replace(tzinfo=SERVICE_ZONE) for start in islice(starts, limit)]


def total(parsed: rrule) -> int:
    """How many occurrences the whole series has (a checked rule is bounded by COUNT or UNTIL)."""
    return sum(1 for _ in islice(parsed, MAX_COUNT * 2))
