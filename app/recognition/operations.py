"""山西脱贫攻坚青年先锋: a village secretary or county staff nominates a volunteer with a story, the county's staff
review it, the province's staff publish it (or either rejects it, saying why). Every step is audited.

Region boundaries: a nomination belongs to the nominator's county (the secretary's village's county, or the staff
member's county), and the volunteer must live in that county or have served there (a confirmed record at one of
its villages); anyone else's volunteer is missing (404). Nominations are read and reviewed only by staff whose
region holds the county (others: 404), the first review only by the county's own staff, the second only by the
province's (403 `review_level`). Stories and reasons pass content safety before anyone else reads them.
"""

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from app.activities.models import Activity
from app.attendance.models import ServiceRecord
from app.core import audit, clock
from app.core.access import Principal, covers, level_of, require_role, scope_prefix
from app.core.crypto import mask_name
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.notify import operations as notify
from app.recognition.models import Nomination
from app.volunteers.models import Volunteer
from app.wechat.content import ensure_clean

HONOUR = "山西脱贫攻坚青年先锋"


def display_name(name: str | None) -> str:
    """How a volunteer appears in lists anyone may read (art. 20: no more of them than that): the first
    character of the name and a star for each other one, 张**."""
    return mask_name(name) or ""


def snapshot(nomination: Nomination) -> dict:
    return {"status": nomination.status, "volunteer_id": nomination.volunteer_id, "reason": nomination.reason}


def _nominating_county(principal: Principal) -> str | None:
    """The county a nominator nominates for; None for an admin (the volunteer's own county)."""
    if principal.is_admin:
        return None
    if principal.has("staff"):
        assert principal.staff_region is not None  # the staff role comes with a region
        if level_of(principal.staff_region) == "county":
            return principal.staff_region
    if principal.secretary_village:
        return principal.secretary_village[:6]
    raise Forbidden("由村团支部书记或县级团委工作人员推荐", code="nominator_level")


def _served_in(volunteer_id: int, county: str) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    ServiceRecord.volunteer_id == volunteer_id,
                    ServiceRecord.status == "confirmed",
                    ServiceRecord.activity_id == Activity.id,
                    Activity.village_code.like(county + "%"),
                )
            )
        )
    )


def nominate(principal: Principal, volunteer_no: str, story: str) -> Nomination:
    require_role(principal, "secretary", "staff")
    county = _nominating_county(principal)
    volunteer = db.session.scalar(
        select(Volunteer).where(Volunteer.volunteer_no == volunteer_no.upper(), Volunteer.withdrawn_at.is_(None))
    )
    home_county = (volunteer.home_region_code or "")[:6] if volunteer is not None else ""
    county = county or home_county
    if volunteer is None or not county or (home_county != county and not _served_in(volunteer.id, county)):
        raise NotFound("志愿者不存在", code="volunteer_not_found")
    ensure_clean({"story": story})
    now = clock.now()
    nomination = Nomination(
        volunteer_id=volunteer.id,
        county_code=county,
        year=clock.local(now).year,
        story=story,
        status="nominated",
        nominated_by=principal.user_id,
        nominated_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(nomination)
            db.session.flush()
    except IntegrityError:
        raise Conflict("该志愿者今年已被推荐", code="already_nominated") from None
    audit.record(
        "nominate", "nomination", nomination.id, after={**snapshot(nomination), "story": story}, region_code=county
    )
    return nomination


def volunteer_of(nomination: Nomination) -> Volunteer:
    return db.session.get_one(Volunteer, nomination.volunteer_id)


def _sees(principal: Principal, code: str) -> bool:
    return principal.is_admin or bool(principal.staff_region and covers(principal.staff_region, code))


def get(principal: Principal, nomination_id: int) -> Nomination:
    """A nomination the caller may read: staff whose region holds its county, or the one who nominated it."""
    nomination = db.session.get(Nomination, nomination_id)
    if nomination is None or not (
        _sees(principal, nomination.county_code) or nomination.nominated_by == principal.user_id
    ):
        raise NotFound("推荐不存在", code="nomination_not_found")
    return nomination


def review(principal: Principal, nomination_id: int, *, approve: bool, reason: str | None) -> Nomination:
    """The county's review of a new nomination, then the province's, which publishes it."""
    require_role(principal, "staff")
    nomination = get(principal, nomination_id)
    if not _sees(principal, nomination.county_code):
        raise NotFound("推荐不存在", code="nomination_not_found")
    stage = {"nominated": "county", "county_approved": "province"}.get(nomination.status)
    if stage is None:
        raise Conflict("该推荐已审核完毕", code="not_reviewable")
    if not principal.is_admin and level_of(principal.staff_region or "") != stage:
        raise Forbidden(
            "先由县级团委审核，再由省级团委审核发布" if stage == "county" else "由省级团委审核发布", code="review_level"
        )
    if not approve and not reason:
        raise InvalidInput(fields={"reason": "不通过时请说明原因"})
    if reason:
        ensure_clean({"reason": reason})
    before, now = snapshot(nomination), clock.now()
    if stage == "county":
        nomination.county_reviewed_by, nomination.county_reviewed_at = principal.user_id, now
        nomination.status = "county_approved" if approve else "rejected"
    else:
        nomination.province_reviewed_by, nomination.province_reviewed_at = principal.user_id, now
        nomination.status = "published" if approve else "rejected"
    nomination.reason = None if approve else reason
    db.session.flush()
    action = {"county_approved": "county_approve", "published": "publish"}.get(nomination.status, f"{stage}_reject")
    audit.record(
        action,
        "nomination",
        nomination.id,
        before=before,
        after=snapshot(nomination),
        region_code=nomination.county_code,
    )
    if nomination.status == "published":
        _tell_published(nomination)
    return nomination


def _tell_published(nomination: Nomination) -> None:
    user_id = db.session.scalars(select(Volunteer.user_id).where(Volunteer.id == nomination.volunteer_id)).one()
    notify.tell(
        user_id,
        "notice",
        f"nomination:{nomination.id}:published",
        f"入选{HONOUR}",
        f"祝贺你入选 {nomination.year} 年度{HONOUR}名单，感谢你为乡村振兴作出的贡献！",
        push=False,
    )


def listing(principal: Principal, *, status: str | None = None, limit: int = 200) -> list[tuple[Nomination, Volunteer]]:
    """Staff: the nominations of counties in their region; a secretary: the ones they made. Newest first."""
    require_role(principal, "secretary", "staff")
    query = select(Nomination, Volunteer).join(Volunteer, Volunteer.id == Nomination.volunteer_id)
    if principal.has("staff") and not principal.is_admin:
        assert principal.staff_region is not None
        query = query.where(Nomination.county_code.like(scope_prefix(principal.staff_region) + "%"))
    elif not principal.is_admin:
        query = query.where(Nomination.nominated_by == principal.user_id)
    if status:
        query = query.where(Nomination.status == status)
    rows = db.session.execute(query.order_by(Nomination.id.desc()).limit(limit))
    return [(nomination, volunteer) for nomination, volunteer in rows]
