"""Escalation: needs the dispatcher could not fill are brought to the staff who answer for them.

Two ways in, each once per activity (Activity.escalated_at, audited):
- `escalate_unfilled` (the bot, hourly): open approved needs starting within DISPATCH_ESCALATE_HOURS that still
  have a free unheld seat;
- `relay_gaps` (the dispatcher, after a round or a re-offer): relay occurrences (扶贫接力) within the relay horizon
  with a free unheld seat and nobody being asked for it, at once ("接力断档").

The message goes to the inbox (no push) of the county's staff; a county without staff escalates to its city's,
then to the province's.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.models import StaffAccount, User
from app.activities.models import Activity
from app.core import audit, clock
from app.dispatch import offers, relay
from app.extensions import db
from app.notify import operations as notify
from app.regions.models import Region

UNFILLED = "unfilled"
RELAY_GAP = "relay_gap"


def escalate_unfilled(now: datetime | None = None) -> int:
    """Open approved needs starting within DISPATCH_ESCALATE_HOURS with a free unheld seat, not escalated yet:
    their county's staff are told. Answers how many activities were escalated."""
    now = now or clock.now()
    hours = float(current_app.config["DISPATCH_ESCALATE_HOURS"])
    return _escalate([Activity.starts_at > now, Activity.starts_at <= now + timedelta(hours=hours)], UNFILLED, now)


def relay_gaps(activity_ids: Iterable[int], now: datetime | None = None) -> int:
    """Of `activity_ids`, the relay occurrences within the relay horizon that have a free unheld seat and no open
    offer (a gap in the relay) are escalated at once, each once. Any ids may be passed: the rest are filtered out in
    the query. Answers how many were escalated."""
    ids = sorted(set(activity_ids))
    if not ids:
        return 0
    now = now or clock.now()
    conditions = [
        Activity.id.in_(ids),
        Activity.relay.is_(True),
        # Holds are counted: no seat held means no open offer.
        Activity.held == 0,
        Activity.starts_at > now,
        Activity.starts_at <= relay.horizon(now),
    ]
    return _escalate(conditions, RELAY_GAP, now)


def escalated(prefix: str, limit: int = 100, *, since: datetime | None = None) -> list[Activity]:
    """Activities escalated in a region (`prefix` of village codes, e.g. access.scope_prefix of a staff member's
    region), most recently escalated first; `since`: only those escalated from then on. For the console."""
    query = select(Activity).where(Activity.escalated_at.is_not(None), Activity.village_code.like(prefix + "%"))
    if since is not None:
        query = query.where(Activity.escalated_at >= since)
    return list(db.session.scalars(query.order_by(Activity.escalated_at.desc(), Activity.id.desc()).limit(limit)))


# --- how --------------------------------------------------------------------------------------------------------


def _escalate(conditions: list[ColumnElement[bool]], reason: str, now: datetime) -> int:
    """Mark and tell the open approved needs matching `conditions` that still have a free unheld seat and were not
    escalated yet. The rows are locked in id order, skipping any another transaction is changing (a sign-up, a
    cancellation): escalation never waits on a row, so it cannot deadlock with the dispatcher or a cancellation;
    a skipped one is escalated by the next run, if still short."""
    short = select(Activity.id).where(
        *offers.short_of_seats(),
        Activity.escalated_at.is_(None),
        *conditions,
    )
    ids = list(db.session.scalars(short.order_by(Activity.id).with_for_update(skip_locked=True)))
    if not ids:
        return 0
    db.session.execute(
        update(Activity)
        .where(Activity.id.in_(ids))
        .values(escalated_at=now)
        .execution_options(synchronize_session=False)
    )
    _refresh_loaded(set(ids), now)
    # The columns the message needs, not the ORM objects: those in the caller's session may hold stale seat counts
    # after the dispatcher's bulk hold updates.
    rows = db.session.execute(
        select(
            Activity.id,
            Activity.title,
            Activity.village_code,
            Activity.starts_at,
            (Activity.capacity - Activity.taken - Activity.held).label("missing"),
            Region.name.label("village_name"),
        )
        .join(Region, Region.code == Activity.village_code)
        .where(Activity.id.in_(ids))
        .order_by(Activity.starts_at, Activity.id)
    ).all()
    staff = recipients({row.village_code for row in rows})
    audit.record_many(
        [
            {
                "action": "escalate",
                "object_type": "need",
                "object_id": row.id,
                "before": {"escalated_at": None},
                "after": {
                    "escalated_at": now,
                    "reason": reason,
                    "missing": row.missing,
                    "told": staff.get(row.village_code, []),
                },
                "region_code": row.village_code,
            }
            for row in rows
        ]
    )
    notify.tell_many([_message(row, user_id, reason) for row in rows for user_id in staff.get(row.village_code, [])])
    return len(rows)


def _refresh_loaded(ids: set[int], now: datetime) -> None:
    """Activities of these ids already loaded in the session see the mark too (without counting as a change)."""
    for obj in db.session.identity_map.values():
        if isinstance(obj, Activity) and obj.id in ids:
            set_committed_value(obj, "escalated_at", now)


def levels(village_code: str) -> list[str]:
    """Whom a village's escalation goes to, in order: its county, its city, its province (region codes)."""
    return [village_code[:6], village_code[:4] + "00", village_code[:2] + "0000"]


def recipients(village_codes: Iterable[str]) -> dict[str, list[int]]:
    """Per village, the user ids of the staff to tell: the county's, else the city's, else the province's."""
    villages = sorted(set(village_codes))
    codes = sorted({code for village in villages for code in levels(village)})
    if not codes:
        return {}
    by_region: dict[str, list[int]] = defaultdict(list)
    for user_id, region_code in db.session.execute(
        select(StaffAccount.user_id, StaffAccount.region_code)
        .join(User, User.id == StaffAccount.user_id)
        .where(StaffAccount.region_code.in_(codes), User.withdrawn_at.is_(None))
        .order_by(StaffAccount.user_id)
    ):
        by_region[region_code].append(user_id)
    found: dict[str, list[int]] = {}
    for village in villages:
        for code in levels(village):
            if by_region.get(code):
                found[village] = by_region[code]
                break
    return found


def _message(row: Any, user_id: int, reason: str) -> dict:
    when, where = clock.spoken(row.starts_at), row.village_name
    if reason == RELAY_GAP:
        title = "扶贫接力断档"
        body = (
            f"扶贫接力「{row.title}」{when}（{where}）这一周还没有人接棒，还差 {row.missing} 人，"
            "派单暂时找不到合适的志愿者，请尽快协调，保证接力不断档。"
        )
    else:
        title = "需求临近开始仍缺人"
        body = f"「{row.title}」{when} 在{where}开始，还差 {row.missing} 人，派单和报名都未能招满，请尽快协调。"
    return {
        "user_id": user_id,
        "purpose": "notice",
        "key": f"escalate:{row.id}:{user_id}",
        "title": title,
        "body": body,
        "link": f"need:{row.id}",
        "push": False,
    }
