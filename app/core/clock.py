"""The one place that says what time it is, so tests and the bot can move time."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SERVICE_ZONE = ZoneInfo("Asia/Shanghai")

_frozen: datetime | None = None


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(at: datetime | None) -> None:
    """Pin the clock (tests and simulations); None lets it run again."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at.astimezone(UTC) if at is not None else None


def local(moment: datetime) -> datetime:
    """A moment as people in the service's zone read it."""
    return moment.astimezone(SERVICE_ZONE)


def spoken(moment: datetime) -> str:
    """A moment in the words of a notice: 12月1日 19:30."""
    at = local(moment)
    return f"{at.month}月{at.day}日 {at:%H:%M}"
