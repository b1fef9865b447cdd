"""Rotating check-in codes: the organiser's screen shows one (with a mini-program code), volunteers
scan it; codes keep the position the organiser's phone gave, for the geofence."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from app import wechat
from app.activities import queries
from app.activities.models import Activity
from app.attendance.models import CheckinCode
from app.core import clock
from app.core.access import Principal, require_organiser
from app.core.db import rowcount
from app.core.errors import Conflict, InvalidInput, ServiceUnavailable
from app.extensions import db

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CHECKIN_PAGE = "pages/checkin/index"


@dataclass
class IssuedCode:
    code: CheckinCode
    scene: str
    qr_png: bytes


def position(latitude: float | None, longitude: float | None) -> tuple[float, float] | None:
    """A position given as two query values: both or neither."""
    if (latitude is None) != (longitude is None):
        missing = "longitude" if longitude is None else "latitude"
        raise InvalidInput(fields={missing: "经纬度须同时提供"})
    if latitude is None or longitude is None:
        return None
    return (latitude, longitude)


def issue_code(principal: Principal, activity: Activity, *, at: tuple[float, float] | None = None) -> IssuedCode:
    """The current code for the organiser's screen; a fresh one once the last is half spent.

    `at` is where the organiser's phone is: the code keeps the first position it is shown with.
    """
    require_organiser(principal, activity.village_code, queries.not_found(activity.type))
    require_checkin_window(activity, grace=timedelta(hours=2))
    ttl = timedelta(seconds=current_app.config["CHECKIN_CODE_TTL_SECONDS"])
    now = clock.now()
    code = db.session.scalar(
        select(CheckinCode)
        .where(
            CheckinCode.activity_id == activity.id,
            CheckinCode.expires_at > now + ttl / 2,
        )
        .order_by(CheckinCode.expires_at.desc())
        .limit(1)
    )
    if code is None:
        code = CheckinCode(
            code="".join(secrets.choice(CODE_ALPHABET) for _ in range(8)),
            activity_id=activity.id,
            issued_by=principal.user_id,
            issued_at=now,
            expires_at=now + ttl,
        )
        db.session.add(code)
    if at is None and code.latitude is None:
        at = _venue(activity)  # the venue does not move when the organiser's phone stops saying where it is
    if at is not None and code.latitude is None:
        code.latitude, code.longitude = at
    scene = f"c={code.code}"  # WeChat allows at most 32 characters of scene
    if code.qr_png is None:
        try:
            code.qr_png = wechat.gateway().wxa_code(scene, CHECKIN_PAGE)
        except wechat.WeChatError:
            raise ServiceUnavailable("暂时无法生成签到小程序码，请稍后刷新", code="wechat_unavailable") from None
    db.session.flush()
    return IssuedCode(code, scene, code.qr_png)


def forget_expired_qr(now: datetime | None = None) -> int:
    """Expired codes let go of their images (the bot runs this); the codes stay, for the record."""
    result = db.session.execute(
        update(CheckinCode)
        .where(CheckinCode.expires_at <= (now or clock.now()), CheckinCode.qr_png.is_not(None))
        .values(qr_png=None)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


def require_checkin_window(activity: Activity, *, grace: timedelta = timedelta(0)) -> None:
    opens = activity.starts_at - timedelta(minutes=current_app.config["CHECKIN_OPENS_MINUTES"])
    now = clock.now()
    if activity.status not in ("open", "filled", "done") or now < opens or now > activity.ends_at + grace:
        raise Conflict(
            f"签到时间为活动开始前 {current_app.config['CHECKIN_OPENS_MINUTES']} 分钟至结束",
            code="checkin_not_open",
        )


def _venue(activity: Activity) -> tuple[float, float] | None:
    """The last position an organiser's phone gave with a code for this activity."""
    row = db.session.execute(
        select(CheckinCode.latitude, CheckinCode.longitude)
        .where(CheckinCode.activity_id == activity.id, CheckinCode.latitude.is_not(None))
        .order_by(CheckinCode.issued_at.desc(), CheckinCode.id.desc())
        .limit(1)
    ).first()
    return (row.latitude, row.longitude) if row else None  # the query keeps positions with a latitude


def find_code(code_text: str) -> CheckinCode:
    code = db.session.scalar(select(CheckinCode).where(CheckinCode.code == code_text.strip().upper()))
    if code is None:
        raise InvalidInput("签到码无效", code="checkin_code_invalid", fields={"code": "无效"})
    if code.expires_at <= clock.now():
        raise InvalidInput(
            "签到码已过期，请让组织者刷新后重新扫码", code="checkin_code_expired", fields={"code": "已过期"}
        )
    return code
