"""Registering, changing and withdrawing a volunteer, and the area teams."""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.models import Secretary, User
from app.core import audit, auth, clock
from app.core.access import Principal, covers, level_of, require_role
from app.core.crypto import cipher, mask_id_number, mask_name, mask_phone
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.regions import operations as regions
from app.volunteers.models import TeamMembership, Volunteer
from app.volunteers.schemas import VolunteerIn, VolunteerPatch
from config.catalog import PRIVACY_POLICY_VERSION

T = TypeVar("T")

WITHDRAWN_NAME = "已注销志愿者"
HOME_LEVELS = ("county", "township", "village")


def _volunteer_columns(user_id) -> dict:
    return {
        "volunteer_id": select(Volunteer.id)
        .where(Volunteer.user_id == user_id, Volunteer.withdrawn_at.is_(None))
        .scalar_subquery()
    }


def _volunteer_role(row) -> dict:
    return {"roles": {"volunteer"}, "volunteer_id": row.volunteer_id} if row.volunteer_id else {}


#: What a registered volunteer confers; create_app hands it to core.auth.
ROLES = auth.RoleSource(_volunteer_columns, _volunteer_role)


def init_app(
    app: Flask,
    *,
    on_withdrawal: Iterable[Callable[[int], object]],
    on_pause: Iterable[Callable[[int], object]] = (),
    on_move: Iterable[Callable[[int, str | None], object]] = (),
) -> None:
    """What higher rooms do when a volunteer withdraws (attendance voids the certificates), pauses
    offers (dispatch revokes the open ones) or moves home (attendance's statistics rollup follows),
    named by the factory so volunteers never imports them; each gets the volunteer's id (and the new
    home), in the same transaction."""
    app.extensions["volunteers.on_withdrawal"] = tuple(on_withdrawal)
    app.extensions["volunteers.on_pause"] = tuple(on_pause)
    app.extensions["volunteers.on_move"] = tuple(on_move)


def _move(volunteer: Volunteer, home: str | None) -> None:
    if home != volunteer.home_region_code:
        volunteer.home_region_code = home
        for hook in current_app.extensions.get("volunteers.on_move", ()):
            hook(volunteer.id, home)


def snapshot(volunteer: Volunteer) -> dict:
    """What the audit trail keeps of a profile: name and personal numbers only masked, since
    audit rows outlive a withdrawal that erases them from the profile."""
    return {
        "name": mask_name(volunteer.name),
        "phone": mask_phone(volunteer.phone),
        "id_number": mask_id_number(volunteer.id_number),
        "gender": volunteer.gender,
        "birth_year": volunteer.birth_year,
        "home_region": volunteer.home_region_code,
        "areas": volunteer.areas,
        "skills": volunteer.skills,
        "availability": volunteer.availability,
        "consent_version": volunteer.consent_version,
        "sensitive_consent": volunteer.sensitive_consent_at is not None,
        "offers_paused": volunteer.offers_paused,
        "monthly_hours_cap": volunteer.monthly_hours_cap,
        "digest_opt_in": volunteer.digest_opt_in,
        "listed": volunteer.listed,
    }


def get_own(principal: Principal) -> Volunteer:
    if principal.volunteer_id is None:
        raise NotFound("尚未注册为志愿者", code="not_registered")
    # The principal was read from this row in this transaction, and volunteer rows are never deleted.
    # The teams come in the same statement (the profile lists them; a lazy load was a second one).
    return db.session.get_one(Volunteer, principal.volunteer_id, options=[joinedload(Volunteer.teams)])


#: Who may read a volunteer's whole phone number, said where staff read it (the console's 志愿者 page).
UNMASK_RULE = (
    "团委工作人员可以查看常住地在本人辖区内的志愿者的完整手机号，管理员可以查看全部；村团支部书记和其他辖区的"
    "工作人员不能。每次查看都记入审计（记下谁、何时、查看了哪位志愿者，不记号码本身）。"
)


def unmask_phone(principal: Principal, volunteer_id: int) -> tuple[Volunteer, str]:
    """A volunteer's whole phone number, for staff who must call them (UNMASK_RULE): staff whose own
    region holds the volunteer's home (a secretary's village confers nothing here), and admins.

    Non-staff: 403. A volunteer outside that region, withdrawn, or without a number: 404, as if
    missing. The read is audited as "unmask" of the volunteer, naming the field, never the number.
    """
    require_role(principal, "staff")
    volunteer = db.session.get(Volunteer, volunteer_id)
    home = volunteer.home_region_code if volunteer is not None else None
    in_scope = principal.is_admin or bool(principal.staff_region and home and covers(principal.staff_region, home))
    if volunteer is None or not in_scope or volunteer.withdrawn_at is not None or not volunteer.phone:
        raise NotFound("志愿者不存在", code="volunteer_not_found")
    audit.record("unmask", "volunteer", volunteer.id, after={"field": "phone"}, region_code=home)
    return volunteer, volunteer.phone


def register(principal: Principal, data: VolunteerIn) -> Volunteer:
    user = db.session.get_one(User, principal.user_id)  # the caller's token names this user
    if user.openid is None:
        raise Forbidden("请通过微信小程序注册志愿者")
    if principal.volunteer_id is not None:
        raise Conflict("已经注册过志愿者", code="already_registered")
    _check_consent(data.consent.version)
    if data.id_number and not data.consent.sensitive:
        raise InvalidInput(fields={"id_number": "填写身份证号需要单独同意敏感个人信息处理"})
    regions.ensure_exists(data.home_region, field_name="home_region", levels=HOME_LEVELS)
    now = clock.now()
    volunteer = Volunteer(
        user_id=user.id,
        name=data.name,
        gender=data.gender,
        birth_year=data.birth_year or _birth_year_from_id(data.id_number),
        home_region_code=data.home_region,
        skills=data.skills,
        availability=[slot.model_dump(mode="json") for slot in data.availability],
        consent_version=data.consent.version,
        consented_at=now,
        sensitive_consent_at=now if data.consent.sensitive else None,
        created_at=now,
        updated_at=now,
    )
    _set_phone(volunteer, data.phone)
    _set_id_number(volunteer, data.id_number)
    volunteer.teams = [TeamMembership(area=area, joined_at=now) for area in data.areas]
    db.session.add(volunteer)
    db.session.flush()
    volunteer.volunteer_no = f"V{clock.local(now).year}{volunteer.id:07d}"  # the year as people count it
    audit.record("create", "volunteer", volunteer.id, after=snapshot(volunteer), region_code=volunteer.home_region_code)
    return volunteer


def update(principal: Principal, data: VolunteerPatch) -> Volunteer:
    volunteer = get_own(principal)
    before = snapshot(volunteer)
    given = data.model_fields_set
    now = clock.now()
    if "consent" in given and data.consent is not None:
        _check_consent(data.consent.version)
        volunteer.consent_version, volunteer.consented_at = data.consent.version, now
        if data.consent.sensitive and volunteer.sensitive_consent_at is None:
            volunteer.sensitive_consent_at = now
        elif not data.consent.sensitive and volunteer.sensitive_consent_at is not None:
            # Withdrawing the separate consent erases what it covered.
            volunteer.sensitive_consent_at = None
            _set_id_number(volunteer, None)
    for name in ("name", "gender", "birth_year", "skills"):
        if name in given:
            if name == "name":
                _required(name, data.name)
            setattr(volunteer, name, getattr(data, name) if name != "skills" else data.skills or [])
    if "phone" in given:
        _set_phone(volunteer, _required("phone", data.phone))
    if "id_number" in given:
        if data.id_number and volunteer.sensitive_consent_at is None:
            raise InvalidInput(fields={"id_number": "填写身份证号需要单独同意敏感个人信息处理"})
        _set_id_number(volunteer, data.id_number)
    if "home_region" in given:
        home_region = _required("home_region", data.home_region)
        regions.ensure_exists(home_region, field_name="home_region", levels=HOME_LEVELS)
        _move(volunteer, home_region)
    if "availability" in given:
        volunteer.availability = [slot.model_dump(mode="json") for slot in data.availability or []]
    if "areas" in given:
        _set_areas(volunteer, _required("areas", data.areas), now)
    if "monthly_hours_cap" in given:
        volunteer.monthly_hours_cap = data.monthly_hours_cap
    if "digest_opt_in" in given:
        volunteer.digest_opt_in = _required("digest_opt_in", data.digest_opt_in)
    if "listed" in given:
        volunteer.listed = _required("listed", data.listed)
    if "offers_paused" in given:
        paused = _required("offers_paused", data.offers_paused)
        if paused and not volunteer.offers_paused:
            for hook in current_app.extensions.get("volunteers.on_pause", ()):
                hook(volunteer.id)
        volunteer.offers_paused = paused
    old, new = audit.changed(before, snapshot(volunteer))
    if new:
        volunteer.updated_at = now
        audit.record("update", "volunteer", volunteer.id, before=old, after=new, region_code=volunteer.home_region_code)
    db.session.flush()
    return volunteer


def withdraw(principal: Principal) -> None:
    """Erase personal data; keep the row (and the volunteer number) so records stay, anonymised."""
    volunteer = get_own(principal)
    user = db.session.get_one(User, principal.user_id)  # the caller's token names this user
    now = clock.now()
    region = volunteer.home_region_code
    # Keep only the county, which statistics need and which identifies nobody.
    county = region[:6] if region and level_of(region) != "county" else region
    volunteer.name = WITHDRAWN_NAME
    _set_phone(volunteer, None)
    _set_id_number(volunteer, None)
    volunteer.gender = volunteer.birth_year = None
    volunteer.skills, volunteer.availability, volunteer.teams = [], [], []
    _move(volunteer, county)
    volunteer.sensitive_consent_at = None
    volunteer.withdrawn_at = volunteer.updated_at = now
    user.openid = user.session_key = None
    user.withdrawn_at = now
    secretary = db.session.get(Secretary, user.id)
    if secretary is not None:
        audit.record(
            "delete",
            "secretary",
            user.id,
            before={"village": secretary.village_code},
            after={"reason": "withdrawn"},
            region_code=secretary.village_code,
        )
        db.session.delete(secretary)
    auth.revoke_all(user.id)
    for hook in current_app.extensions["volunteers.on_withdrawal"]:
        hook(volunteer.id)
    audit.record(
        "withdraw",
        "volunteer",
        volunteer.id,
        before={"status": "active"},
        after={"status": "withdrawn"},
        region_code=county,
    )


def join_team(principal: Principal, area: str) -> tuple[TeamMembership, bool]:
    volunteer = get_own(principal)
    for membership in volunteer.teams:
        if membership.area == area:
            return membership, False
    membership = TeamMembership(area=area, joined_at=clock.now())
    volunteer.teams.append(membership)
    db.session.flush()
    audit.record(
        "join",
        "team_membership",
        f"{volunteer.id}:{area}",
        after={"area": area},
        region_code=volunteer.home_region_code,
    )
    return membership, True


def leave_team(principal: Principal, area: str) -> None:
    volunteer = get_own(principal)
    membership = next((m for m in volunteer.teams if m.area == area), None)
    if membership is None:
        raise NotFound("你不在该领域的队伍中", code="not_member")
    if len(volunteer.teams) == 1:
        raise Conflict("至少保留一个服务领域", code="last_team")
    volunteer.teams.remove(membership)
    audit.record(
        "leave",
        "team_membership",
        f"{volunteer.id}:{area}",
        before={"area": area},
        region_code=volunteer.home_region_code,
    )


def _check_consent(version: str) -> None:
    if version != PRIVACY_POLICY_VERSION:
        raise InvalidInput(
            "请阅读并同意最新版隐私政策",
            code="consent_outdated",
            fields={"consent.version": f"当前版本为 {PRIVACY_POLICY_VERSION}"},
        )


def _required(name: str, value: T | None) -> T:
    """A field the patch may leave out but not set to null."""
    if value is None:
        raise InvalidInput(fields={name: "不能为空"})
    return value


def _set_phone(volunteer: Volunteer, phone: str | None) -> None:
    digest = cipher.lookup_hash(phone) if phone else None
    if (
        digest
        and digest != volunteer.phone_hash
        and db.session.scalar(select(Volunteer.id).where(Volunteer.phone_hash == digest))
    ):
        raise Conflict(  # says nothing of who holds the number
            "该手机号无法使用，请核对后重试或换一个号码", code="phone_taken", fields={"phone": "无法使用此号码"}
        )
    volunteer.phone, volunteer.phone_hash = phone, digest


def _set_id_number(volunteer: Volunteer, id_number: str | None) -> None:
    digest = cipher.lookup_hash(id_number) if id_number else None
    if (
        digest
        and digest != volunteer.id_number_hash
        and db.session.scalar(select(Volunteer.id).where(Volunteer.id_number_hash == digest))
    ):
        raise Conflict("该身份证号已被其他志愿者使用", code="id_number_taken", fields={"id_number": "已被使用"})
    volunteer.id_number, volunteer.id_number_hash = id_number, digest


def _birth_year_from_id(id_number: str | None) -> int | None:
    return int(id_number[6:10]) if id_number else None


def _set_areas(volunteer: Volunteer, areas: list[str], now: datetime) -> None:
    keep = [m for m in volunteer.teams if m.area in areas]
    have = {m.area for m in keep}
    volunteer.teams = keep + [TeamMembership(area=a, joined_at=now) for a in areas if a not in have]
