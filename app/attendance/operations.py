"""Check-in and check-out on site, service time, confirmation and correction, records and stars."""

import math
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import Secretary
from app.activities.models import Activity, Signup
from app.attendance import reach, rollup
from app.attendance.codes import find_code, require_checkin_window
from app.attendance.models import CheckinCode, CorrectionRequest, ServiceRecord
from app.core import audit, clock
from app.core.access import Principal, require_organiser
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.notify import operations as notify
from app.volunteers.models import Volunteer

EARTH_RADIUS_M = 6_371_000


def snapshot(record: ServiceRecord) -> dict:
    return {
        "status": record.status,
        "checked_in_at": record.checked_in_at,
        "checked_out_at": record.checked_out_at,
        "checkin_distance_m": record.checkin_distance_m,
        "checkout_distance_m": record.checkout_distance_m,
        "computed_minutes": record.computed_minutes,
        "confirmed_minutes": record.confirmed_minutes,
    }


def refuse_withdrawal_once_checked_in(signup: Signup) -> None:
    """Added to activities' withdrawal rules by create_app: a checked-in volunteer cannot withdraw."""
    if db.session.scalar(select(ServiceRecord.id).where(ServiceRecord.signup_id == signup.id)) is not None:
        raise Conflict("你已签到，不能取消报名；如有变故请联系组织者", code="already_checked_in")


def _distance_on_site(principal: Principal, code: CheckinCode, at: tuple[float, float] | None) -> int | None:
    """Metres from the organiser's phone, where the geofence applies: the code carries the
    organiser's position and the volunteer consented to share location (sensitive personal
    information, separate consent). Elsewhere None, and a position sent is not used."""
    if code.latitude is None or code.longitude is None:
        return None
    consented = db.session.scalar(select(Volunteer.sensitive_consent_at).where(Volunteer.id == principal.volunteer_id))
    if consented is None:
        return None
    if at is None:
        raise InvalidInput("请允许小程序获取你的位置后再扫码", code="location_required", fields={"location": "必填"})
    metres = round(_metres_between((code.latitude, code.longitude), at))
    if metres > current_app.config["CHECKIN_GEOFENCE_METERS"]:
        raise Conflict(f"你距活动现场约 {metres} 米，请到现场后再扫码", code="not_on_site")
    return metres


def _metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine); at a village's scale the sphere is exact enough."""
    (lat1, lon1), (lat2, lon2) = (map(math.radians, point) for point in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


# --- check-in and check-out --------------------------------------------------------------------


def check_in(principal: Principal, code_text: str, *, at: tuple[float, float] | None = None) -> ServiceRecord:
    """`at`: where the volunteer's phone is, used only for the geofence (see _distance_on_site)."""
    code = find_code(code_text)
    activity = db.session.get_one(Activity, code.activity_id)
    signup = _confirmed_signup(principal, activity)
    require_checkin_window(activity)
    if db.session.scalar(select(ServiceRecord.id).where(ServiceRecord.signup_id == signup.id)):
        raise Conflict("你已经签到过了", code="already_checked_in")
    distance = _distance_on_site(principal, code, at)
    now = clock.now()
    record = ServiceRecord(
        signup_id=signup.id,
        volunteer_id=signup.volunteer_id,
        activity_id=activity.id,
        status="checked_in",
        checked_in_at=now,
        checkin_distance_m=distance,
        auto_closed=False,
        created_at=now,
        updated_at=now,
    )
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:  # the same scan sent twice at once
        raise Conflict("你已经签到过了", code="already_checked_in") from None
    db.session.execute(update(Activity).where(Activity.id == activity.id).values(attendees=Activity.attendees + 1))
    audit.record("check_in", "service_record", record.id, after=snapshot(record), region_code=activity.village_code)
    return record


def check_out(principal: Principal, code_text: str, *, at: tuple[float, float] | None = None) -> ServiceRecord:
    code = find_code(code_text)
    activity = db.session.get_one(Activity, code.activity_id)
    signup = _confirmed_signup(principal, activity)
    record = db.session.scalar(select(ServiceRecord).where(ServiceRecord.signup_id == signup.id).with_for_update())
    if record is None:
        raise Conflict("还没有签到，不能签退", code="not_checked_in")
    if record.status != "checked_in":
        raise Conflict("你已经签退了", code="already_checked_out")
    _close(record, activity, clock.now(), auto=False, distance=_distance_on_site(principal, code, at))
    return record


def _confirmed_signup(principal: Principal, activity: Activity) -> Signup:
    if principal.volunteer_id is None:
        raise Forbidden("请先注册成为志愿者", code="not_registered")
    signup = db.session.scalar(
        select(Signup).where(
            Signup.activity_id == activity.id,
            Signup.volunteer_id == principal.volunteer_id,
            Signup.status == "confirmed",
        )
    )
    if signup is None:
        raise Forbidden("你没有确认报名这项活动，不能签到", code="not_signed_up")
    return signup


def _close(record: ServiceRecord, activity: Activity, at: datetime, *, auto: bool, distance: int | None = None) -> None:
    before = snapshot(record)
    minutes, short = service_minutes(activity, record.checked_in_at, at)
    record.status, record.checked_out_at, record.auto_closed = "checked_out", at, auto
    record.checkout_distance_m = distance
    record.computed_minutes, record.updated_at = minutes, clock.now()
    notes = []
    if auto:
        notes.append("未签退，已按计划结束时间自动签退")
    if short:
        notes.append("签到签退覆盖时间不足计划时长的规定比例")
    record.review_note = "；".join(notes) or None
    audit.record(
        "auto_check_out" if auto else "check_out",
        "service_record",
        record.id,
        before=before,
        after=snapshot(record),
        region_code=activity.village_code,
    )


def service_minutes(activity: Activity, checked_in_at: datetime, checked_out_at: datetime) -> tuple[int, bool]:
    """Time served inside the scheduled window, rounded by the rules; and whether it fell short.

    Whole seconds and integer steps: "nearest" rounds a half step up (Python's round() would send
    1 h 15 min to 1 h but 1 h 45 min to 2 h), and no float error drops a step.
    """
    config = current_app.config
    start, end = max(checked_in_at, activity.starts_at), min(checked_out_at, activity.ends_at)
    actual = max(0, int((end - start).total_seconds()))
    scheduled = int((activity.ends_at - activity.starts_at).total_seconds())
    step = max(1, round(config["HOURS_STEP"] * 3600))
    steps = actual // step if config["HOURS_ROUNDING"] == "down" else (2 * actual + step) // (2 * step)
    minutes = min(steps * step, scheduled) // 60
    return minutes, actual < config["HOURS_MIN_SHARE"] * scheduled


def close_forgotten(now: datetime | None = None) -> int:
    """Check-outs forgotten past the scheduled end close at the end, marked for review (the bot runs this)."""
    now = now or clock.now()
    # Locked, so a check-out (or a second bot) at the same moment is not overwritten.
    rows = db.session.execute(
        select(ServiceRecord, Activity)
        .join(Activity, Activity.id == ServiceRecord.activity_id)
        .where(ServiceRecord.status == "checked_in", Activity.ends_at <= now)
        .with_for_update(of=ServiceRecord)
    ).all()
    closed = 0
    for record, activity in rows:
        _close(record, activity, activity.ends_at, auto=True)
        closed += 1
    return closed


# --- confirmation and correction -------------------------------------------------------------


def _record_missing() -> NotFound:
    return NotFound("服务记录不存在", code="record_not_found")


def get_record(record_id: int, *, lock: bool = False) -> tuple[ServiceRecord, Activity]:
    record = db.session.get(ServiceRecord, record_id, with_for_update=lock)
    if record is None:
        raise _record_missing()
    return record, db.session.get_one(Activity, record.activity_id)


def records_of_activity(principal: Principal, activity: Activity) -> list[tuple[ServiceRecord, Volunteer]]:
    require_organiser(principal, activity.village_code, NotFound("需求或活动不存在", code="activity_not_found"))
    return list(
        db.session.execute(
            select(ServiceRecord, Volunteer)
            .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
            .where(ServiceRecord.activity_id == activity.id)
            .order_by(ServiceRecord.id)
        )
    )


def confirm(
    principal: Principal,
    record_id: int,
    *,
    hours: float | None,
    reason: str | None,
    villagers: int | None = None,
    poor_households: int | None = None,
) -> ServiceRecord:
    """The organiser certifies the record; hours count from here. Changing the computed time needs a reason.
    The villagers reached by the activity (counts only) may come with it (app.attendance.reach)."""
    record, activity = get_record(record_id, lock=True)
    _require_certifier(principal, record, activity)
    if record.status == "confirmed":
        raise Conflict("该记录已确认；如需更正请使用更正功能", code="already_confirmed")
    if record.status != "checked_out":
        raise Conflict("志愿者尚未签退，暂不能确认", code="not_checked_out")
    minutes = record.computed_minutes if hours is None else _minutes(hours, activity)
    if minutes != record.computed_minutes and not reason:
        raise InvalidInput(fields={"reason": "确认时长与签到签退计算的不同，请说明原因"})
    _certify(principal, record, activity, minutes, reason, action="confirm")
    if villagers is not None:
        reach.record_reach(activity, villagers, poor_households)
    return record


def correct(principal: Principal, record_id: int, *, hours: float, reason: str) -> ServiceRecord:
    """Correct a confirmed record (e.g. after the volunteer asked); open requests are resolved."""
    record, activity = get_record(record_id, lock=True)
    _require_certifier(principal, record, activity)
    if record.status != "confirmed":
        raise Conflict("只能更正已确认的记录", code="not_confirmed")
    _certify(principal, record, activity, _minutes(hours, activity), reason, action="correct")
    now = clock.now()
    for request in db.session.scalars(
        select(CorrectionRequest).where(
            CorrectionRequest.record_id == record.id, CorrectionRequest.resolved_at.is_(None)
        )
    ):
        request.resolved_at, request.resolved_by = now, principal.user_id
    return record


def _require_certifier(principal: Principal, record: ServiceRecord, activity: Activity) -> None:
    """The organiser certifies, never for their own service (a secretary may volunteer too). Another
    region's record is refused exactly as a missing one: records are not public, activities are."""
    require_organiser(principal, activity.village_code, _record_missing())
    if principal.volunteer_id is not None and principal.volunteer_id == record.volunteer_id:
        raise Forbidden("不能确认或更正自己的服务记录，请由辖区团委工作人员确认", code="own_record")


def _minutes(hours: float, activity: Activity) -> int:
    scheduled = (activity.ends_at - activity.starts_at).total_seconds() / 3600
    if hours > scheduled:
        raise InvalidInput(fields={"hours": f"不能超过计划时长 {scheduled:g} 小时"})
    return round(hours * 60)


def _certify(principal, record, activity, minutes, reason, *, action: str) -> None:
    before = snapshot(record)
    now = clock.now()
    was = record.confirmed_minutes if record.status == "confirmed" else None
    record.status, record.confirmed_minutes = "confirmed", minutes
    record.confirmed_by, record.confirmed_at, record.updated_at = principal.user_id, now, now
    record.correction_reason = reason
    audit.record(
        action,
        "service_record",
        record.id,
        before=before,
        after={**snapshot(record), "reason": reason},
        region_code=activity.village_code,
    )
    user_id, home = db.session.execute(
        select(Volunteer.user_id, Volunteer.home_region_code).where(Volunteer.id == record.volunteer_id)
    ).one()
    rollup.add(
        record.volunteer_id,
        home,
        activity,
        record.checked_in_at,
        records=0 if was is not None else 1,
        minutes=minutes - (was or 0),
    )
    verb = "已确认" if action == "confirm" else "已更正"
    notify.tell(
        user_id,
        "notice",
        # Each correction is news, even one back to an earlier value; only a replay is not.
        f"record:{record.id}:{action}:{minutes}:{now.isoformat()}",
        f"服务时长{verb}",
        f"「{activity.title}」的服务时长{verb}为 {minutes / 60:g} 小时。",
        link=f"record:{record.id}",
        push=False,
    )


def request_correction(principal: Principal, record_id: int, *, reason: str, hours: float | None) -> CorrectionRequest:
    record, activity = get_record(record_id)
    if record.volunteer_id != principal.volunteer_id:
        raise _record_missing()
    request = CorrectionRequest(
        record_id=record.id,
        reason=reason,
        requested_minutes=None if hours is None else round(hours * 60),
        created_at=clock.now(),
    )
    db.session.add(request)
    db.session.flush()
    audit.record(
        "request_correction",
        "service_record",
        record.id,
        after={"reason": reason, "hours": hours},
        region_code=activity.village_code,
    )
    for secretary_user in db.session.scalars(
        select(Secretary.user_id).where(Secretary.village_code == activity.village_code)
    ):
        notify.tell(
            secretary_user,
            "notice",
            f"correction:{request.id}:{secretary_user}",
            "服务记录更正申请",
            f"有志愿者申请更正「{activity.title}」的服务记录：{reason}",
            link=f"record:{record.id}",
            push=False,
        )
    return request


# --- a volunteer's records -------------------------------------------------------------------


@dataclass
class Summary:
    records: list[tuple[ServiceRecord, Activity]]
    confirmed_minutes: int
    stars: int
    next_star_hours: int | None
    volunteer_no: str | None = None
    #: 志愿者统一编号 (national system), when staff recorded one; never the ID number.
    national_no: str | None = None


def my_records(principal: Principal) -> Summary:
    if principal.volunteer_id is None:
        raise NotFound("尚未注册为志愿者", code="not_registered")
    rows = [
        (record, activity)
        for record, activity in db.session.execute(
            select(ServiceRecord, Activity)
            .join(Activity, Activity.id == ServiceRecord.activity_id)
            .where(ServiceRecord.volunteer_id == principal.volunteer_id)
            .order_by(Activity.starts_at.desc())
        )
    ]
    minutes = confirmed_minutes(principal.volunteer_id)
    stars, next_at = star_level(minutes / 60)
    numbers = db.session.execute(
        select(Volunteer.volunteer_no, Volunteer.national_no).where(Volunteer.id == principal.volunteer_id)
    ).one()
    return Summary(rows, minutes, stars, next_at, numbers.volunteer_no, numbers.national_no)


def confirmed_minutes(volunteer_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(ServiceRecord.confirmed_minutes), 0)).where(
            ServiceRecord.volunteer_id == volunteer_id, ServiceRecord.status == "confirmed"
        )
    )


def star_level(hours: float) -> tuple[int, int | None]:
    thresholds = current_app.config["STAR_THRESHOLDS"]
    stars = sum(1 for threshold in thresholds if hours >= threshold)
    return stars, thresholds[stars] if stars < len(thresholds) else None
