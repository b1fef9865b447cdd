"""Staff broadcasts: the database decides who hears them, in one statement.

The audience is everyone in the region (a volunteer by home region, a secretary by village) who is
in one of the chosen area teams and holds one of the chosen roles: region ∩ areas ∩ roles, where
leaving areas or roles out means "any". Withdrawn people are not in it.

Resolving a broadcast writes every recipient's message with one INSERT … SELECT; the key
broadcast × user makes a second resolution add nothing. A message is queued for push ("pending")
only when WeChat could take it: the user has an openid and an allowance for the broadcast template.
Everyone else gets it in the inbox only ("inbox_only", already settled), so the sender never
churns through people it cannot reach. Operations only flush; the request or the job commits.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, String, and_, case, cast, exists, func, literal, or_, select, text, update

from app.accounts.models import Secretary, User
from app.broadcasts.models import Broadcast
from app.broadcasts.schemas import AudienceIn, BroadcastIn
from app.core import audit, clock
from app.core.access import Principal, covers, require_role, scope_prefix
from app.core.db import rowcount
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.notify import outbox
from app.notify.models import Allowance, Message
from app.regions import operations as regions
from app.volunteers.models import TeamMembership, Volunteer
from app.wechat.content import ensure_clean
from config.templates import templates

ROLES = ("volunteer", "secretary")
FILL_WORK_MEM = "64MB"
#: How `counts` groups the message outcomes (failed includes dead-lettered messages).
OUTCOMES = {
    "pending": "queued",
    "sent": "sent",
    "inbox_only": "inbox_only",
    "failed": "failed",
    "dead": "failed",
    "cancelled": "cancelled",
}


def create(principal: Principal, data: BroadcastIn) -> Broadcast:
    audience = data.audience
    require_role(principal, "staff")
    regions.ensure_exists(audience.region, field_name="audience.region")
    _require_staff_scope(principal, audience.region)
    now = clock.now()
    send_at = data.send_at or now
    if send_at < now:
        raise InvalidInput(fields={"send_at": "发送时间不能早于当前时间"})
    ensure_clean({"title": data.title, "body": data.body})
    broadcast = Broadcast(
        title=data.title,
        body=data.body,
        region_code=audience.region,
        areas=audience.areas or [],
        roles=_roles(audience.roles),
        status="scheduled",
        send_at=send_at,
        created_by=principal.user_id,
        created_at=now,
    )
    db.session.add(broadcast)
    db.session.flush()
    if send_at > now:
        broadcast.recipients = db.session.scalar(
            _audience_size(broadcast.region_code, broadcast.areas, broadcast.roles)
        )
    audit.record("create", "broadcast", broadcast.id, after=_snapshot(broadcast), region_code=broadcast.region_code)
    if send_at <= now:
        _resolve(broadcast, now)
    return broadcast


def audience_size(principal: Principal, audience: AudienceIn) -> int:
    """How many people a broadcast to `audience` would reach if it went out now: the same query
    (`_people`) that sending fills the outbox from, counted instead of written. Reads only."""
    require_role(principal, "staff")
    regions.ensure_exists(audience.region, field_name="audience.region")
    _require_staff_scope(principal, audience.region)
    return db.session.scalar(_audience_size(audience.region, audience.areas or [], _roles(audience.roles))) or 0


def _roles(asked: Sequence[str] | None) -> list[str]:
    """The roles asked for in their fixed order; none asked means both."""
    return [role for role in ROLES if role in (asked or ROLES)]


def get(principal: Principal, broadcast_id: int) -> Broadcast:
    broadcast = db.session.get(Broadcast, broadcast_id)
    if broadcast is None or not _staff_sees(principal, broadcast.region_code):
        raise NotFound("通知不存在", code="broadcast_not_found")
    return broadcast


def listing(principal: Principal, *, before_id: int | None, limit: int) -> list[tuple[Broadcast, str]]:
    """The broadcasts to regions in the caller's scope, newest first, each with its status."""
    require_role(principal, "staff")
    query = select(Broadcast, _status_column()).order_by(Broadcast.id.desc()).limit(limit)
    if not principal.is_admin:
        # The staff role is conferred only by a staff account, which always names its region.
        assert principal.staff_region is not None
        query = query.where(Broadcast.region_code.like(scope_prefix(principal.staff_region) + "%"))
    if before_id is not None:
        query = query.where(Broadcast.id < before_id)
    return [(broadcast, status) for broadcast, status in db.session.execute(query)]


def counts(broadcast: Broadcast) -> dict[str, int]:
    """Messages per outcome, in one GROUP BY over the (broadcast_id, delivery) index."""
    totals = dict.fromkeys(OUTCOMES.values(), 0)
    rows = db.session.execute(
        select(Message.delivery, func.count()).where(Message.broadcast_id == broadcast.id).group_by(Message.delivery)
    )
    for delivery, number in rows:
        if delivery in OUTCOMES:
            totals[OUTCOMES[delivery]] += number
    return totals


def status_of(broadcast: Broadcast, totals: dict[str, int]) -> str:
    """A broadcast is sent once nothing is queued, even before the bot writes that down."""
    return "sent" if broadcast.status == "sending" and totals["queued"] == 0 else broadcast.status


def cancel(broadcast: Broadcast) -> Broadcast:
    """Stop what has not been pushed yet (one UPDATE); pushed and inbox-only messages stay.

    `broadcast` comes from `get`, which checked the caller's scope. A message a sender claimed
    just before is cancelled too; if its push was already under way, the sender's outcome wins.
    """
    _lock(broadcast)
    if broadcast.status == "cancelled":
        raise Conflict("该通知已撤回", code="broadcast_cancelled")
    if broadcast.status == "sent":
        raise Conflict("该通知已发送完毕，不能撤回", code="broadcast_finished")
    stopped = 0
    if broadcast.status == "sending":
        stopped = rowcount(
            db.session.execute(
                update(Message)
                .where(Message.broadcast_id == broadcast.id, Message.delivery == "pending")
                .values(delivery="cancelled"),
                execution_options={"synchronize_session": False},
            )
        )
        if stopped == 0:  # the last message settled before we came
            raise Conflict("该通知已发送完毕，不能撤回", code="broadcast_finished")
    before = broadcast.status
    broadcast.status, broadcast.cancelled_at = "cancelled", clock.now()
    audit.record(
        "cancel",
        "broadcast",
        broadcast.id,
        before={"status": before},
        after={"status": "cancelled", "stopped": stopped},
        region_code=broadcast.region_code,
    )
    return broadcast


def resolve_due(now: datetime | None = None) -> int:
    """The bot's broadcasts job: fill the outbox for every broadcast whose time has come (once
    each), and write down as sent those with nothing left to push. Returns how many it resolved."""
    now = now or clock.now()
    due = (
        select(Broadcast)
        .where(Broadcast.status == "scheduled", Broadcast.send_at <= now)
        .order_by(Broadcast.send_at, Broadcast.id)
        .with_for_update(skip_locked=True)
    )
    resolved = list(db.session.scalars(due))
    for broadcast in resolved:
        _resolve(broadcast, now)
    settle()
    return len(resolved)


def settle() -> int:
    """Mark sent every sending broadcast with no message left to push; returns how many."""
    finished = list(
        db.session.scalars(
            select(Broadcast).where(Broadcast.status == "sending", ~_pending_exists()).with_for_update(skip_locked=True)
        )
    )
    for broadcast in finished:
        broadcast.status = "sent"
        audit.record(
            "finish",
            "broadcast",
            broadcast.id,
            before={"status": "sending"},
            after={"status": "sent"},
            region_code=broadcast.region_code,
        )
    return len(finished)


def fill(broadcast: Broadcast, now: datetime) -> int:
    """Write the audience's messages; returns how many were new (a second call adds nothing)."""
    if db.session.get_bind().dialect.name == "postgresql":
        # Joining a million volunteers to users and allowances hashes in memory rather than in
        # temporary files; LOCAL: for this transaction only.
        db.session.execute(text(f"SET LOCAL work_mem = '{FILL_WORK_MEM}'"))
    # SQLAlchemy keeps an INSERT's rowcount only when asked to.
    return rowcount(db.session.execute(_fill_statement(broadcast, now), execution_options={"preserve_rowcount": True}))


def _resolve(broadcast: Broadcast, now: datetime) -> None:
    written = fill(broadcast, now)
    if written == 0:  # an empty audience, or rows an earlier attempt wrote: count what is there
        written = db.session.execute(select(func.count()).where(Message.broadcast_id == broadcast.id)).scalar_one()
    before = {"status": broadcast.status, "recipients": broadcast.recipients}
    broadcast.status, broadcast.recipients, broadcast.resolved_at = "sending", written, now
    audit.record(
        "resolve",
        "broadcast",
        broadcast.id,
        before=before,
        after={"status": "sending", "recipients": written},
        region_code=broadcast.region_code,
    )


def _people(region_code: str, areas: list[str], roles: list[str]) -> list[Select]:
    """One SELECT of users.id per role asked for; a person may be in both (the key dedupes).
    Sending (`_fill_statement`) and counting (`_audience_size`) both start here."""
    region = scope_prefix(region_code) + "%"
    parts = []
    if "volunteer" in roles:
        part = (
            select(User.id)
            .select_from(Volunteer)
            .join(User, User.id == Volunteer.user_id)
            .where(Volunteer.home_region_code.like(region), Volunteer.withdrawn_at.is_(None))
        )
        if areas:
            part = part.where(
                exists().where(TeamMembership.volunteer_id == Volunteer.id, TeamMembership.area.in_(areas))
            )
        parts.append(part)
    if "secretary" in roles:
        part = (
            select(User.id)
            .select_from(Secretary)
            .join(User, User.id == Secretary.user_id)
            .where(Secretary.village_code.like(region))
        )
        if areas:
            # A secretary is in an area's audience when they also serve in that area's team.
            part = part.where(
                exists(
                    select(TeamMembership.volunteer_id)
                    .join(Volunteer, Volunteer.id == TeamMembership.volunteer_id)
                    .where(
                        Volunteer.user_id == Secretary.user_id,
                        Volunteer.withdrawn_at.is_(None),
                        TeamMembership.area.in_(areas),
                    )
                )
            )
        parts.append(part)
    return [part.where(User.withdrawn_at.is_(None)) for part in parts]


def _audience_size(region_code: str, areas: list[str], roles: list[str]) -> Select:
    parts = _people(region_code, areas, roles)
    if len(parts) == 1:
        return parts[0].with_only_columns(func.count(), maintain_column_froms=False)
    return select(func.count()).select_from(parts[0].union(*parts[1:]).subquery())


def _fill_statement(broadcast: Broadcast, now: datetime):
    """INSERT INTO messages … SELECT … FROM the audience ON CONFLICT (key) DO NOTHING."""
    template_id = templates()["broadcast"]["template_id"]
    can_push = and_(User.openid.is_not(None), or_(Allowance.active, Allowance.remaining > 0))
    columns = outbox.selected(
        user_id=User.id,
        purpose="broadcast",
        key=literal(f"broadcast:{broadcast.id}:") + cast(User.id, String),
        title=broadcast.title,
        body=broadcast.body,
        now=now,
        link=f"broadcast:{broadcast.id}",
        fields=_fields(broadcast),
        push=can_push,
        broadcast_id=broadcast.id,
    )
    rows = [
        part.outerjoin(
            Allowance, and_(Allowance.user_id == User.id, Allowance.template_id == template_id)
        ).with_only_columns(*columns.values(), maintain_column_froms=False)
        for part in _people(broadcast.region_code, broadcast.areas, broadcast.roles)
    ]
    return outbox.insert_selected(columns, rows[0] if len(rows) == 1 else rows[0].union_all(*rows[1:]))


#: Template text fields hold at most 20 characters; the sender shortens readably. Keeping only the
#: start of the body in `fields` spares a copy of the whole body in every recipient's row.
NOTE_LENGTH = 40


def _fields(broadcast: Broadcast) -> dict:
    """Our named template fields (title, note, time); the sender fits them to WeChat's limits."""
    return {
        "title": broadcast.title,
        "note": broadcast.body[:NOTE_LENGTH],
        "time": clock.local(broadcast.send_at).isoformat(timespec="seconds"),
    }


def _pending_exists():
    return exists().where(Message.broadcast_id == Broadcast.id, Message.delivery == "pending")


def _status_column():
    return case(
        (and_(Broadcast.status == "sending", ~_pending_exists()), "sent"),
        else_=Broadcast.status,
    ).label("status")


def _snapshot(broadcast: Broadcast) -> dict:
    return {
        "title": broadcast.title,
        "body": broadcast.body,
        "region": broadcast.region_code,
        "areas": broadcast.areas,
        "roles": broadcast.roles,
        "send_at": broadcast.send_at,
        "status": broadcast.status,
        "recipients": broadcast.recipients,
    }


def _lock(broadcast: Broadcast) -> None:
    db.session.execute(select(Broadcast.id).where(Broadcast.id == broadcast.id).with_for_update())
    db.session.refresh(broadcast)


def _staff_sees(principal: Principal, region_code: str) -> bool:
    """Staff by their own region only (a staff member who is also a secretary gains nothing)."""
    return principal.is_admin or bool(
        principal.has("staff") and principal.staff_region and covers(principal.staff_region, region_code)
    )


def _require_staff_scope(principal: Principal, region_code: str) -> None:
    """Regions are public, so one outside the caller's scope is named as such, not hidden."""
    if not _staff_sees(principal, region_code):
        raise Forbidden(
            "该区划不在你的管辖范围内", code="out_of_scope", fields={"audience.region": "不在你的管辖范围内"}
        )
