"""Offers: a seat held for one volunteer until they accept, decline, or the offer expires or is revoked.

An open offer holds its seat (activities.held, by a conditional UPDATE, so taken + held never passes
capacity and self sign-up sees only unheld seats). Accepting turns the hold into a taken seat through
the sign-up room (a confirmed sign-up, source "dispatch", with its reminders). Every hold freed
(decline, expiry, revocation) goes through `freed`, whose hook (app.dispatch.rounds.reoffer, named by
create_app) offers the seat to the next best candidate at once.
"""

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, case, insert, select, text, update
from sqlalchemy.orm.attributes import set_committed_value

from app.activities.models import Activity, Signup
from app.activities.notices import notice_fields
from app.activities.signups import listen_withdrawn, take_held_seat, volunteer_of
from app.core import audit, clock
from app.core.access import Principal
from app.core.db import among
from app.core.errors import Conflict, NotFound
from app.dispatch.models import Offer
from app.extensions import db
from app.notify import operations as notify
from app.volunteers.models import Volunteer

PAUSED_REASON = "本人暂停接单"
WITHDRAWN_REASON = "本人注销"
CANCELLED_REASON = "活动取消"
#: The advisory lock rounds and re-offers write offers under (any fixed 64-bit number of our own).
DISPATCH_LOCK = 7_310_042_001


@dataclass
class Draft:
    """An offer to write: the activity (loaded, with its village), the volunteer, and what the round decided."""

    activity: Activity
    volunteer_id: int
    expires_at: datetime
    cost: int = 0
    terms: dict = field(default_factory=dict)
    why: str = ""


def lock() -> None:
    """Rounds and re-offers write offers one at a time, so none races another for a volunteer's caps: a
    transaction-scoped advisory lock on PostgreSQL (SQLite already lets one writer in at a time)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DISPATCH_LOCK})


def short_of_seats() -> tuple[ColumnElement[bool], ...]:
    """An open need with a free seat no offer holds: what rounds offer, escalation reports, the digest lists."""
    return (
        Activity.type == "need",
        Activity.status == "open",
        Activity.taken + Activity.held < Activity.capacity,
    )


def closes_at(activity: Activity) -> datetime:
    """An offer expires before sign-up closes, and none is made later than that."""
    return activity.starts_at - timedelta(minutes=current_app.config["SIGNUP_CLOSE_MINUTES"])


def make_offer(
    activity: Activity,
    volunteer_id: int,
    *,
    expires_at: datetime,
    cost: int = 0,
    terms: dict | None = None,
    why: str = "",
    round_id: int | None = None,
) -> Offer:
    """Hold a free unheld seat of an open need for one volunteer and tell them, refusing what the rules refuse."""
    if activity.type != "need":
        raise Conflict("只有村级需求可以派单", code="not_dispatchable")
    if clock.now() >= closes_at(activity):
        raise Conflict("报名已截止，不能再派单", code="signup_closed")
    volunteer = db.session.execute(
        select(Volunteer.offers_paused, Volunteer.withdrawn_at).where(Volunteer.id == volunteer_id)
    ).one()
    if volunteer.offers_paused or volunteer.withdrawn_at is not None:
        raise Conflict("该志愿者暂停接单或已注销", code="volunteer_unavailable")
    taken = db.session.scalar(
        select(Offer.id).where(Offer.activity_id == activity.id, Offer.volunteer_id == volunteer_id)
    )
    if taken is not None:
        raise Conflict("已向该志愿者发出过这项邀请", code="already_offered")
    lock()
    made = make_offers([Draft(activity, volunteer_id, expires_at, cost, terms or {}, why)], round_id=round_id)
    if not made:
        raise Conflict("该需求没有可派的名额", code="no_free_slot")
    return db.session.get_one(Offer, made[0].id)


@dataclass(frozen=True)
class Made:
    """An offer just written (what a round reports), without loading it back as an object."""

    id: int
    activity_id: int
    volunteer_id: int
    cost: int
    terms: dict


def make_offers(drafts: Sequence[Draft], *, round_id: int | None = None) -> list[Made]:
    """Write many offers at once (a round's): hold their seats with one guarded UPDATE per statement batch,
    insert the offers, their audit rows and their messages in bulk. The caller has checked eligibility under
    `lock()`; an activity whose seats were taken meanwhile gets none of its offers (the next round or re-offer
    fills it). Answers the offers made."""
    if not drafts:
        return []
    now = clock.now()
    wanted = Counter(d.activity.id for d in drafts)
    held = _hold_many(wanted)
    drafts = [d for d in drafts if d.activity.id in held]
    if not drafts:
        return []
    for draft in drafts:
        set_committed_value(draft.activity, "held", held[draft.activity.id][0])
        set_committed_value(draft.activity, "status", held[draft.activity.id][1])
    rows = [
        {
            "activity_id": d.activity.id,
            "volunteer_id": d.volunteer_id,
            "round_id": round_id,
            "status": "offered",
            "expires_at": min(d.expires_at, closes_at(d.activity)),
            "cost": d.cost,
            "terms": d.terms,
            "why": d.why,
            "created_at": now,
        }
        for d in drafts
    ]
    ids = _insert_offers(rows)
    users = dict(
        db.session.execute(
            select(Volunteer.id, Volunteer.user_id).where(among(Volunteer.id, sorted({d.volunteer_id for d in drafts})))
        ).all()
    )
    audit.record_many(
        [
            {
                "action": "create",
                "object_type": "offer",
                "object_id": offer_id,
                "after": {
                    "status": "offered",
                    "activity": row["activity_id"],
                    "volunteer": row["volunteer_id"],
                    "expires_at": row["expires_at"],
                },
                "region_code": d.activity.village_code,
            }
            for offer_id, row, d in zip(ids, rows, drafts, strict=True)
        ]
    )
    notify.tell_many(
        [
            _offer_message(offer_id, row, d, users[d.volunteer_id])
            for offer_id, row, d in zip(ids, rows, drafts, strict=True)
        ]
    )
    return [
        Made(offer_id, d.activity.id, d.volunteer_id, d.cost, d.terms) for offer_id, d in zip(ids, drafts, strict=True)
    ]


#: _insert_offers on PostgreSQL: every row in one statement from parallel arrays.
INSERT_OFFERS = text(
    """
    INSERT INTO offers (activity_id, volunteer_id, round_id, status, expires_at, cost, terms, why, created_at)
    SELECT a, v, :round_id, 'offered', e, c, CAST(t AS json), w, :created_at
    FROM unnest(CAST(:activities AS integer[]), CAST(:volunteers AS integer[]), CAST(:expires AS timestamptz[]),
                CAST(:costs AS integer[]), CAST(:terms AS text[]), CAST(:whys AS text[])) AS r(a, v, e, c, t, w)
    RETURNING id, activity_id, volunteer_id
    """
)


def _insert_offers(rows: list[dict]) -> list[int]:
    """Insert the offers; answers their ids in the order of `rows` (each (activity, volunteer) pair is unique)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return list(db.session.scalars(insert(Offer).returning(Offer.id, sort_by_parameter_order=True), rows))
    written = db.session.execute(
        INSERT_OFFERS,
        {
            "round_id": rows[0]["round_id"],
            "created_at": rows[0]["created_at"],
            "activities": [r["activity_id"] for r in rows],
            "volunteers": [r["volunteer_id"] for r in rows],
            "expires": [r["expires_at"] for r in rows],
            "costs": [r["cost"] for r in rows],
            "terms": [json.dumps(r["terms"], ensure_ascii=False) for r in rows],
            "whys": [r["why"] for r in rows],
        },
    ).all()
    by_pair = {(w.activity_id, w.volunteer_id): w.id for w in written}
    return [by_pair[(r["activity_id"], r["volunteer_id"])] for r in rows]


def _offer_message(offer_id: int, row: dict, draft: Draft, user_id: int) -> dict:
    activity, why, expires_at = draft.activity, draft.why, row["expires_at"]
    return {
        "user_id": user_id,
        "purpose": "assignment",
        "key": f"offer:{offer_id}",
        "title": "新的志愿服务邀请",
        "body": f"邀请你参加「{activity.title}」，{clock.spoken(activity.starts_at)} 在{activity.village.name}。"
        f"{'推荐理由：' + why + '。' if why else ''}请在 {clock.spoken(expires_at)} 前在小程序中答复，"
        f"或在聊天中回复“接受 {offer_id}”或“拒绝 {offer_id}”。",
        "link": f"assignment:{offer_id}",
        "fields": {**notice_fields(activity), "status": "待确认", "note": why[:20]},
    }


#: _hold_many on PostgreSQL: the same guard for every activity in one statement. A row another transaction is
#: changing (a sign-up, a cancellation that will revoke offers under the lock) is skipped, not waited for: the
#: writer holding the dispatch lock never waits on a row, so no one waits on it in a cycle.
HOLD_MANY = text(
    """
    WITH wanted AS (SELECT unnest(CAST(:ids AS integer[])) AS id, unnest(CAST(:counts AS integer[])) AS n),
    locked AS (
        SELECT a.id, w.n FROM activities a JOIN wanted w ON w.id = a.id
        WHERE a.status = 'open' AND a.taken + a.held + w.n <= a.capacity
        ORDER BY a.id FOR UPDATE OF a SKIP LOCKED
    )
    UPDATE activities a
    SET held = a.held + l.n,
        status = CASE WHEN a.taken + a.held + l.n >= a.capacity THEN 'filled' ELSE a.status END
    FROM locked l
    WHERE a.id = l.id AND a.status = 'open' AND a.taken + a.held + l.n <= a.capacity
    RETURNING a.id, a.held, a.status
    """
)


def _hold_many(wanted: Counter[int]) -> dict[int, tuple[int, str]]:
    """Hold `wanted[activity]` seats of each open activity where that many are free and unheld, in one guarded
    UPDATE each (in id order, so two writers lock rows alike). Answers {activity: (held, status)} for those held."""
    held: dict[int, tuple[int, str]] = {}
    if db.session.get_bind().dialect.name == "postgresql":
        ids, counts = zip(*sorted(wanted.items()), strict=True)
        rows = db.session.execute(HOLD_MANY, {"ids": list(ids), "counts": list(counts)}).all()
        return {row.id: (row.held, row.status) for row in rows}
    for activity_id, n in sorted(wanted.items()):
        seats = Activity.held + n
        row = db.session.execute(
            update(Activity)
            .where(
                Activity.id == activity_id,
                Activity.status == "open",
                Activity.taken + Activity.held + n <= Activity.capacity,
            )
            .values(
                held=seats,
                status=case((Activity.taken + seats >= Activity.capacity, "filled"), else_=Activity.status),
            )
            .returning(Activity.held, Activity.status)
            .execution_options(synchronize_session=False)
        ).one_or_none()
        if row is not None:
            held[activity_id] = (row.held, row.status)
    return held


def _own(volunteer_id: int, offer_id: int) -> Offer:
    offer = db.session.get(Offer, offer_id)
    if offer is None or offer.volunteer_id != volunteer_id:
        raise NotFound("邀请不存在", code="offer_not_found")
    return offer


def accept(principal: Principal, offer_id: int) -> Offer:
    """The caller's open, unexpired offer becomes a confirmed sign-up on the seat it held."""
    volunteer_id = volunteer_of(principal)
    offer = _own(volunteer_id, offer_id)
    now = clock.now()
    # The guard: only one of accept, decline, expiry and revocation ever moves an open offer.
    won = db.session.execute(
        update(Offer)
        .where(Offer.id == offer.id, Offer.status == "offered", Offer.expires_at > now)
        .values(status="accepted", decided_at=now)
        .returning(Offer.id)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    db.session.refresh(offer)
    if won is None:
        if offer.status == "expired" or (offer.status == "offered" and offer.expires_at <= now):
            raise Conflict("邀请已过期", code="offer_expired")
        raise Conflict("该邀请已处理，不能再接受", code="offer_not_open")
    activity = db.session.get_one(Activity, offer.activity_id)
    signup = take_held_seat(principal, activity, source="dispatch")
    offer.signup_id = signup.id
    _audit(offer, activity, "offered")
    return offer


def decline(principal: Principal, offer_id: int) -> Offer:
    """Declining is the volunteer's right: the seat is freed, and this slot is never offered to them again."""
    offer = _own(volunteer_of(principal), offer_id)
    if not _close([offer.id], "declined"):
        db.session.refresh(offer)
        raise Conflict("该邀请已处理，不能再婉拒", code="offer_not_open")
    db.session.refresh(offer)
    return offer


def claim_for_signup(principal: Principal, type_: str, activity_id: int) -> Signup | None:
    """A volunteer signing up for a need they hold an open offer for has accepted it (the sign-up room
    asks this first; create_app names it)."""
    if type_ != "need" or principal.volunteer_id is None:
        return None
    offer_id = db.session.scalar(
        select(Offer.id).where(
            Offer.activity_id == activity_id,
            Offer.volunteer_id == principal.volunteer_id,
            Offer.status == "offered",
            Offer.expires_at > clock.now(),
        )
    )
    if offer_id is None:
        return None
    offer = accept(principal, offer_id)
    return db.session.get_one(Signup, offer.signup_id)


def expire_due(now: datetime | None = None) -> int:
    """The bot: open offers past their expiry free their seats. Answers how many expired."""
    now = now or clock.now()
    due = list(db.session.scalars(select(Offer.id).where(Offer.status == "offered", Offer.expires_at <= now)))
    return len(_close(due, "expired", now=now))


def revoke_for_activity(activity: Activity, reason: str = CANCELLED_REASON) -> int:
    """The need was cancelled (or moved or cut): its open offers are revoked and their holds freed."""
    open_ = select(Offer.id).where(Offer.activity_id == activity.id, Offer.status == "offered")
    revoked = _close(list(db.session.scalars(open_)), "revoked", reason=reason)
    if revoked:
        db.session.refresh(activity, ["held", "status"])
    return len(revoked)


def revoke_for_volunteer(volunteer_id: int, reason: str = PAUSED_REASON) -> int:
    """The volunteer paused offers or withdrew: every open offer of theirs is revoked."""
    open_ = select(Offer.id).where(Offer.volunteer_id == volunteer_id, Offer.status == "offered")
    return len(_close(list(db.session.scalars(open_)), "revoked", reason=reason))


def revoke_withdrawn(volunteer_id: int) -> None:
    revoke_for_volunteer(volunteer_id, WITHDRAWN_REASON)


def _close(offer_ids: list[int], status: str, *, reason: str | None = None, now: datetime | None = None) -> list[int]:
    """Move open offers to a final status (each only if still open), free their holds, audit, tell."""
    if not offer_ids:
        return []
    now = now or clock.now()
    lock()  # before any activity row: a round holds the lock while it locks rows, so the order is always the same
    closed = db.session.execute(
        update(Offer)
        .where(Offer.id.in_(offer_ids), Offer.status == "offered")
        .values(status=status, decided_at=now, revoke_reason=reason if status == "revoked" else None)
        .returning(Offer.id, Offer.activity_id, Offer.volunteer_id)
        .execution_options(synchronize_session=False)
    ).all()
    counts: Counter[int] = Counter(row.activity_id for row in closed)
    for activity_id, n in sorted(counts.items()):  # in id order, so two sweeps lock rows alike
        db.session.execute(
            update(Activity)
            .where(Activity.id == activity_id)
            .values(
                held=Activity.held - n,
                status=case((Activity.status == "filled", "open"), else_=Activity.status),
            )
            .execution_options(synchronize_session=False)
        )
    activities = {a.id: a for a in db.session.scalars(select(Activity).where(Activity.id.in_(counts)))}
    for row in closed:
        activity = activities[row.activity_id]
        after = {"status": status, **({"reason": reason} if reason else {})}
        audit.record(
            "update", "offer", row.id, before={"status": "offered"}, after=after, region_code=activity.village_code
        )
        if status in ("expired", "revoked"):
            _tell_closed(row.id, row.volunteer_id, activity, status, reason)
    freed(sorted(counts.elements()))
    return [row.id for row in closed]


def _tell_closed(offer_id: int, volunteer_id: int, activity: Activity, status: str, reason: str | None) -> None:
    user_id = db.session.execute(select(Volunteer.user_id).where(Volunteer.id == volunteer_id)).scalar_one()
    title = "邀请已过期" if status == "expired" else "邀请已撤回"
    body = f"「{activity.title}」（{clock.spoken(activity.starts_at)}）的邀请" + (
        "已过期，名额将另行安排。" if status == "expired" else f"已撤回：{reason}。"
    )
    notify.tell(user_id, "notice", f"offer:{offer_id}:{status}", title, body, link=f"assignment:{offer_id}", push=False)


def init_app(app, *, on_freed: Iterable[Callable[[list[int]], object]] = ()) -> None:
    """What hears of seats just freed: the round's incremental re-offer (named by create_app, so this room
    imports no higher one). Also: a withdrawn dispatch sign-up ("不能来") is heard here (`withdrawn`)."""
    app.extensions["dispatch.on_freed"] = tuple(on_freed)
    listen_withdrawn(app, withdrawn, before=withdrawing)


def freed(activity_ids: list[int]) -> list[int]:
    """Seats just freed (one id per freed hold): each hook (the incremental re-offer) hears of them, in the
    same transaction."""
    if activity_ids:
        for hook in current_app.extensions.get("dispatch.on_freed", ()):
            hook(activity_ids)
    return activity_ids


def _audit(offer: Offer, activity: Activity, before: str) -> None:
    audit.record(
        "update",
        "offer",
        offer.id,
        before={"status": before},
        after={"status": offer.status, "signup": offer.signup_id},
        region_code=activity.village_code,
    )


def mine(principal: Principal, *, limit: int = 100) -> list[tuple[Offer, Activity, bool]]:
    """The caller's offers and accepted assignments, newest first, each with whether the volunteer has since
    said they cannot come (an accepted offer whose sign-up was withdrawn)."""
    rows = db.session.execute(
        select(Offer, Activity, Signup.status)
        .join(Activity, Activity.id == Offer.activity_id)
        .outerjoin(Signup, Signup.id == Offer.signup_id)
        .where(Offer.volunteer_id == volunteer_of(principal))
        .order_by(Offer.id.desc())
        .limit(limit)
    )
    return [(offer, activity, signup_status == "cancelled") for offer, activity, signup_status in rows]


WITHDRAWN_AFTER_ACCEPT = "本人不能参加"


def withdrawn(signup: Signup, activity: Activity, seat_free: bool) -> None:
    """A dispatch sign-up withdrawn ("不能来", DELETE …/signups/me, POST /signups/{id}/cant-come): its accepted
    offer stays `accepted` (the volunteer did accept; the sign-up is what was cancelled) and its audit trail says
    {"withdrawn": true}; a seat nobody on the waitlist took is re-offered at once through `freed` (the round's
    re-offer), never to this volunteer: one offer per volunteer and slot, ever (uq_offers_activity_id_volunteer_id)."""
    if signup.source != "dispatch":
        return
    offer_id = db.session.scalar(select(Offer.id).where(Offer.signup_id == signup.id))
    if offer_id is not None:
        audit.record(
            "update",
            "offer",
            offer_id,
            before={"status": "accepted", "signup": signup.id},
            after={"status": "accepted", "withdrawn": True, "reason": signup.cancel_reason or WITHDRAWN_AFTER_ACCEPT},
            region_code=activity.village_code,
        )
    if seat_free:
        freed([activity.id])


def withdrawing(signup: Signup) -> None:
    """Before a dispatch sign-up's seat moves: the dispatch lock first, as everywhere (the re-offer that may follow
    takes it, and a round or a decline holding it locks activity rows after it)."""
    if signup.source == "dispatch":
        lock()


def accepted_signup(principal: Principal, offer_id: int) -> int | None:
    """The sign-up the caller's accepted offer became (for "不能来 N" with N the offer's number), or None."""
    if principal.volunteer_id is None:
        return None
    return db.session.scalar(
        select(Signup.id)
        .join(Offer, Offer.signup_id == Signup.id)
        .where(
            Offer.id == offer_id,
            Offer.volunteer_id == principal.volunteer_id,
            Offer.status == "accepted",
        )
    )
