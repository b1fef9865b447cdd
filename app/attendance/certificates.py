"""志愿服务证明: issue a certificate of confirmed hours, render it as PDF, verify it by its code."""

import logging
import secrets
from io import BytesIO
from pathlib import Path

from flask import current_app
from fpdf import FPDF
from sqlalchemy import func, select

from app.activities.models import Activity
from app.attendance.codes import CODE_ALPHABET
from app.attendance.models import Certificate, ServiceRecord
from app.attendance.operations import confirmed_minutes
from app.core import audit, clock
from app.core.access import Principal
from app.core.errors import Conflict, NotFound, ServiceUnavailable
from app.extensions import db
from app.volunteers.models import Volunteer
from config.catalog import AREAS, SESSION_KINDS

# Debian's fonts (apt: fonts-dejavu-core, fonts-droid-fallback): DejaVu for Latin letters and
# digits, Droid Sans Fallback for Chinese; both are embedded (subset) in the PDF.
LATIN_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
CJK_FONT = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
logging.getLogger("fontTools").setLevel(logging.WARNING)
WITHDRAWN_NAME = "已注销志愿者"  # as app/volunteers names a withdrawn volunteer


def issue(principal: Principal) -> Certificate:
    if principal.volunteer_id is None:
        raise NotFound("尚未注册为志愿者", code="not_registered")
    volunteer = db.session.get_one(Volunteer, principal.volunteer_id)
    minutes = confirmed_minutes(volunteer.id)
    if minutes <= 0:
        raise Conflict("还没有已确认的服务时长，暂不能开具证明", code="no_confirmed_hours")
    now = clock.now()
    certificate = Certificate(
        number="",
        verify_code="".join(secrets.choice(CODE_ALPHABET) for _ in range(12)),
        volunteer_id=volunteer.id,
        name=volunteer.name,
        volunteer_no=volunteer.volunteer_no,
        national_no=volunteer.national_no,
        minutes=minutes,
        records=_record_count(volunteer.id),
        content=_content(volunteer.id),
        issuer=current_app.config["CERTIFICATE_ISSUER"],
        issued_at=now,
    )
    db.session.add(certificate)
    db.session.flush()
    certificate.number = f"ZYFW{clock.local(now):%Y}{certificate.id:08d}"
    audit.record(
        "issue",
        "certificate",
        certificate.id,
        after={"number": certificate.number, "minutes": minutes},
        region_code=volunteer.home_region_code,
    )
    return certificate


def _record_count(volunteer_id: int) -> int:
    return db.session.scalars(select(func.count()).select_from(ServiceRecord).where(*_served(volunteer_id))).one()


def _served(volunteer_id: int) -> tuple:
    """Confirmed records with time in them: a record confirmed at 0 hours was no service."""
    return (
        ServiceRecord.volunteer_id == volunteer_id,
        ServiceRecord.status == "confirmed",
        ServiceRecord.confirmed_minutes > 0,
    )


def _content(volunteer_id: int) -> str:
    """ "教育、医疗领域志愿服务；青年夜校流动教学点" — what kinds of service the hours came from."""
    rows = db.session.execute(
        select(Activity.area, Activity.kind)
        .distinct()
        .join(ServiceRecord, ServiceRecord.activity_id == Activity.id)
        .where(*_served(volunteer_id))
    )
    areas, kinds = set(), set()
    for area, kind in rows:
        if area:
            areas.add(AREAS[area])
        if kind:
            kinds.add(SESSION_KINDS[kind])
    parts = [f"{'、'.join(sorted(areas))}领域志愿服务"] if areas else []
    parts += sorted(kinds)
    return "；".join(parts)[:200]


def own(principal: Principal, number: str) -> Certificate:
    certificate = db.session.scalar(select(Certificate).where(Certificate.number == number))
    if certificate is None or certificate.volunteer_id != principal.volunteer_id:
        raise NotFound("证明不存在", code="certificate_not_found")
    return certificate


def verify(code: str) -> Certificate:
    certificate = db.session.scalar(
        select(Certificate)
        .join(Volunteer, Volunteer.id == Certificate.volunteer_id)
        .where(Certificate.verify_code == code.strip().upper(), Volunteer.withdrawn_at.is_(None))
    )
    if certificate is None or certificate.revoked_at is not None:
        raise NotFound("未找到该证明，或证明已作废", code="certificate_not_found")
    return certificate


def forget(volunteer_id: int) -> int:
    """A volunteer withdrew: their certificates are void and no longer carry their name."""
    now = clock.now()
    certificates = list(db.session.scalars(select(Certificate).where(Certificate.volunteer_id == volunteer_id)))
    for certificate in certificates:
        certificate.name = WITHDRAWN_NAME
        certificate.revoked_at = certificate.revoked_at or now
    return len(certificates)


def render_pdf(certificate: Certificate, verify_url: str) -> bytes:
    if not (Path(LATIN_FONT).exists() and Path(CJK_FONT).exists()):
        raise ServiceUnavailable(
            "服务器缺少字体，暂不能生成证明（需安装 fonts-dejavu-core 和 fonts-droid-fallback）", code="font_missing"
        )
    pdf = FPDF(orientation="L", format=(148, 210))  # A5 landscape
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.add_font("latin", fname=LATIN_FONT)
    pdf.add_font("cjk", fname=CJK_FONT)
    pdf.set_fallback_fonts(["cjk"])
    pdf.set_draw_color(180, 30, 30)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    pdf.set_font("latin", size=24)
    pdf.set_y(20)
    pdf.cell(0, 14, "志愿服务证明", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("latin", size=12)
    hours = f"{certificate.minutes / 60:g}"
    numbers = f"志愿者编号 {certificate.volunteer_no}"
    if certificate.national_no:
        numbers += f"，志愿者统一编号 {certificate.national_no}"
    body = (
        f"兹证明 {certificate.name}（{numbers}）参加志愿服务 "
        f"{certificate.records} 次，经组织方确认的服务时长累计 {hours} 小时。"
        f"服务内容：{certificate.content or '志愿服务'}。"
    )
    pdf.set_xy(24, 44)
    pdf.multi_cell(pdf.w - 48, 8, body, align="L")
    pdf.set_xy(24, pdf.h - 52)
    pdf.cell(0, 7, f"证明编号：{certificate.number}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(24)
    pdf.cell(0, 7, f"验证码：{certificate.verify_code}（可在 {verify_url} 查验）", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(pdf.w - 110, pdf.h - 38)
    pdf.cell(86, 7, certificate.issuer, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(pdf.w - 110, pdf.h - 31)
    pdf.cell(86, 7, f"{clock.local(certificate.issued_at):%Y年%m月%d日}", align="R")
    out = BytesIO()
    pdf.output(out)
    return out.getvalue()
