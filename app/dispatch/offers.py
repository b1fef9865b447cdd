"""Offers: a seat held for one volunteer until they accept, decline, or the offer expires or is revoked.

An open offer holds its seat (activities.held, by a conditional UPDATE, so taken + held never passes
capacity and self sign-up sees only unheld seats). Accepting turns the hold into a taken seat through
the sign-up room (a confirmed sign-up, source "dispatch", with its reminders). Every hold freed
(decline, expiry, revocation) goes through `freed`, whose hook (app.dispatch.rounds.reoffer, named by
create_app) offers the seat to the next best candidate at once.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.activities.models import Activity, Signup
from app.activities.notices import notice_fields
from app.activities.signups import take_held_seat, volunteer_of
from app.core import audit, clock
from app.core.access import Principal
from app.core.errors import Conflict, NotFound
from app.dispatch.models import Offer
from app.extensions import db
from app.notify import operations as notify
from app.volunteers.models import Volunteer

PAUSED_REASON = "本人暂停接单"
WITHDRAWN_REASON = "本人注销"
CANCELLED_REASON = "活动取消"


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
    """Hold a free unheld seat of an open need for the volunteer and tell them (one at a time; a bulk
    variant for whole rounds is the round's to write, with the same rules)."""
    if activity.type != "need":
        raise Conflict("只有村级需求可以派单", code="not_dispatchable")
    # An offer expires before sign-up closes, and none is made later than that.
    closes = activity.starts_at - timedelta(minutes=current_app.config["SIGNUP_CLOSE_MINUTES"])
    if clock.now() >= closes:
        raise Conflict("报名已截止，不能再派单", code="signup_closed")
    expires_at = min(expires_at, closes)
    volunteer = db.session.execute(
        select(Volunteer.user_id, Volunteer.offers_paused, Volunteer.withdrawn_at).where(Volunteer.id == volunteer_id)
    ).one()
    if volunteer.offers_paused or volunteer.withdrawn_at is not None:
        raise Conflict("该志愿者暂停接单或已注销", code="volunteer_unavailable")
    taken = db.session.scalar(
        select(Offer.id).where(Offer.activity_id == activity.id, Offer.volunteer_id == volunteer_id)
    )
    if taken is not None:
        raise Conflict("已向该志愿者发出过这项邀请", code="already_offered")
    _hold(activity)
    now = clock.now()
    offer = Offer(
        activity_id=activity.id,
        volunteer_id=volunteer_id,
        round_id=round_id,
        status="offered",
        expires_at=expires_at,
        cost=cost,
        terms=terms or {},
        why=why,
        created_at=now,
    )
    db.session.add(offer)
    db.session.flush()
    audit.record(
        "create",
        "offer",
        offer.id,
        after={"status": "offered", "activity": activity.id, "volunteer": volunteer_id, "expires_at": expires_at},
        region_code=activity.village_code,
    )
    notify.tell(
        volunteer.user_id,
        "assignment",
        f"offer:{offer.id}",
        "新的志愿服务邀请",
        f"邀请你参加「{activity.title}」，{clock.spoken(activity.starts_at)} 在{activity.village.name}。"
        f"{'推荐理由：' + why + '。' if why else ''}请在 {clock.spoken(expires_at)} 前在小程序中答复，"
        f"或在聊天中回复“接受 {offer.id}”或“拒绝 {offer.id}”。",
        link=f"assignment:{offer.id}",
        fields={**notice_fields(activity), "status": "待确认", "note": why[:20]},
    )
    return offer


def _hold(activity: Activity) -> None:
    held = Activity.held + 1
    row = db.session.execute(
        update(Activity)
        .where(
            Activity.id == activity.id,
            Activity.status == "open",
            Activity.taken + Activity.held < Activity.capacity,
        )
        .values(held=held, status=case((Activity.taken + held >= Activity.capacity, "filled"), else_=Activity.status))
        .returning(Activity.held, Activity.status)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is None:
        raise Conflict("该需求没有可派的名额", code="no_free_slot")
    set_committed_value(activity, "held", row.held)
    set_committed_value(activity, "status", row.status)


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
    imports no higher one)."""
    app.extensions["dispatch.on_freed"] = tuple(on_freed)


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


def mine(principal: Principal, *, limit: int = 100) -> list[tuple[Offer, Activity]]:
    """The caller's offers and accepted assignments, newest first."""
    rows = db.session.execute(
        select(Offer, Activity)
        .join(Activity, Activity.id == Offer.activity_id)
        .where(Offer.volunteer_id == volunteer_of(principal))
        .order_by(Offer.id.desc())
        .limit(limit)
    )
    return [(offer, activity) for offer, activity in rows]
