"""What attendance answers, built from what the operations return: records, check-in codes and
certificates as their schemas (JSON), and the public verification page (HTML). Nothing here queries."""

import base64

from flask import render_template, url_for

from app.activities.models import Activity
from app.attendance.codes import CHECKIN_PAGE, IssuedCode
from app.attendance.models import Certificate, ServiceRecord
from app.attendance.operations import Summary
from app.attendance.schemas import (
    ActivityBrief,
    CertificateOut,
    CheckinCodeOut,
    MyRecords,
    RecordOut,
    VerifyOut,
    VolunteerBrief,
)
from app.volunteers.models import Volunteer


def _hours(minutes: int | None) -> float | None:
    return None if minutes is None else minutes / 60


def record_out(record: ServiceRecord, activity: Activity, volunteer: Volunteer | None = None) -> dict:
    brief = ActivityBrief(
        id=activity.id,
        type=activity.type,
        title=activity.title,
        village_name=activity.village.name,
        area=activity.area,
        kind=activity.kind,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        program_name=activity.program.name if activity.program is not None else None,
        villagers=activity.villagers,
        poor_households=activity.poor_households,
    )
    return RecordOut(
        id=record.id,
        status=record.status,
        activity=brief,
        checked_in_at=record.checked_in_at,
        checked_out_at=record.checked_out_at,
        auto_closed=record.auto_closed,
        checkin_distance_m=record.checkin_distance_m,
        checkout_distance_m=record.checkout_distance_m,
        hours=_hours(record.computed_minutes),
        confirmed_hours=_hours(record.confirmed_minutes),
        review_note=record.review_note,
        confirmed_at=record.confirmed_at,
        correction_reason=record.correction_reason,
        volunteer=VolunteerBrief(
            volunteer_no=volunteer.volunteer_no, national_no=volunteer.national_no, name=volunteer.name
        )
        if volunteer
        else None,
    ).model_dump(mode="json")


def my_records_out(summary: Summary) -> dict:
    return MyRecords(
        items=[record_out(record, activity) for record, activity in summary.records],
        total_hours=summary.confirmed_minutes / 60,
        star_level=summary.stars,
        next_star_hours=summary.next_star_hours,
        volunteer_no=summary.volunteer_no,
        national_no=summary.national_no,
    ).model_dump(mode="json")


def checkin_code_out(issued: IssuedCode) -> dict:
    return CheckinCodeOut(
        code=issued.code.code,
        scene=issued.scene,
        page=CHECKIN_PAGE,
        expires_at=issued.code.expires_at,
        qr_png_base64=base64.b64encode(issued.qr_png).decode(),
    ).model_dump(mode="json")


def certificate_out(certificate: Certificate) -> dict:
    return CertificateOut(
        number=certificate.number,
        verify_code=certificate.verify_code,
        name=certificate.name,
        volunteer_no=certificate.volunteer_no,
        national_no=certificate.national_no,
        hours=certificate.minutes / 60,
        records=certificate.records,
        content=certificate.content,
        issuer=certificate.issuer,
        issued_at=certificate.issued_at,
        pdf_url=url_for("attendance.certificate_pdf", number=certificate.number),
        verify_url=verify_url(certificate),
    ).model_dump(mode="json")


def verify_url(certificate: Certificate) -> str:
    return url_for("verify.verify_certificate", code=certificate.verify_code, _external=True)


def verify_out(certificate: Certificate) -> VerifyOut:
    """What anyone may see of a certificate: name and hours, no other personal data."""
    return VerifyOut(
        valid=True,
        number=certificate.number,
        name=certificate.name,
        hours=certificate.minutes / 60,
        records=certificate.records,
        issuer=certificate.issuer,
        issued_at=certificate.issued_at,
    )


def verify_page(out: VerifyOut) -> str:
    return render_template(
        "attendance/verify.html",
        c=out,
        hours=f"{out.hours:g}",
        issued=out.model_dump(mode="json")["issued_at"][:10],
    )


def not_found_page(message: str) -> str:
    return render_template("attendance/verify_not_found.html", message=message)
