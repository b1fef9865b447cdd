import base64

from flask import Response, render_template_string, request, url_for
from flask_openapi3 import APIBlueprint, Tag

from app.activities import operations as activities
from app.activities.models import Activity
from app.activities.schemas import ActivityPath
from app.attendance import certificates
from app.attendance import operations as attendance
from app.attendance.models import Certificate, ServiceRecord
from app.attendance.schemas import (
    ActivityBrief,
    ActivityQuery,
    CertificateOut,
    CertificatePath,
    CheckinCodeOut,
    CheckinCodeQuery,
    CodeIn,
    ConfirmIn,
    CorrectIn,
    CorrectionOut,
    CorrectionRequestIn,
    MyRecords,
    RecordList,
    RecordOut,
    RecordPath,
    VerifyOut,
    VerifyPath,
    VolunteerBrief,
)
from app.core.auth import current_principal, login_required
from app.core.errors import NotFound
from app.core.schemas import ErrorOut
from app.volunteers.models import Volunteer

api = APIBlueprint(
    "attendance",
    __name__,
    url_prefix="/api/v1",
    abp_tags=[Tag(name="attendance", description="签到签退、服务记录与证明")],
)
public = APIBlueprint("verify", __name__, abp_tags=[Tag(name="verify", description="证明查验")])
BEARER = [{"bearer": []}]


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
        volunteer=VolunteerBrief(volunteer_no=volunteer.volunteer_no, name=volunteer.name) if volunteer else None,
    ).model_dump(mode="json")


def _checkin_code(type_: str, activity_id: int, query: CheckinCodeQuery) -> dict:
    principal = current_principal()
    activity = activities.get(type_, activity_id, principal)
    issued = attendance.issue_code(principal, activity, at=attendance.position(query.latitude, query.longitude))
    return CheckinCodeOut(
        code=issued.code.code,
        scene=issued.scene,
        page=attendance.CHECKIN_PAGE,
        expires_at=issued.code.expires_at,
        qr_png_base64=base64.b64encode(issued.qr_png).decode(),
    ).model_dump(mode="json")


@api.get(
    "/sessions/<int:id>/checkin-code", responses={200: CheckinCodeOut, 409: ErrorOut, 503: ErrorOut}, security=BEARER
)
@login_required("secretary", "staff")
def session_checkin_code(path: ActivityPath, query: CheckinCodeQuery):
    """组织者手机上显示的签到码和二维码，几分钟轮换一次；带上手机定位即开启现场位置核验。"""
    return _checkin_code("session", path.id, query)


@api.get("/needs/<int:id>/checkin-code", responses={200: CheckinCodeOut, 409: ErrorOut, 503: ErrorOut}, security=BEARER)
@login_required("secretary", "staff")
def need_checkin_code(path: ActivityPath, query: CheckinCodeQuery):
    return _checkin_code("need", path.id, query)


def _position(body: CodeIn) -> tuple[float, float] | None:
    return (body.location.latitude, body.location.longitude) if body.location else None


@api.post("/checkins", responses={201: RecordOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut}, security=BEARER)
@login_required("volunteer")
def check_in(body: CodeIn):
    """现场扫码签到。"""
    record = attendance.check_in(current_principal(), body.code, at=_position(body))
    return record_out(record, *attendance.get_record(record.id)[1:]), 201


@api.post("/checkouts", responses={200: RecordOut, 409: ErrorOut, 422: ErrorOut}, security=BEARER)
@login_required("volunteer")
def check_out(body: CodeIn):
    """现场扫码签退；服务时长按计划时间内的实际时间计算。"""
    record = attendance.check_out(current_principal(), body.code, at=_position(body))
    return record_out(record, *attendance.get_record(record.id)[1:])


@api.get("/attendance", responses={200: RecordList, 404: ErrorOut}, security=BEARER)
@login_required("secretary", "staff")
def activity_records(query: ActivityQuery):
    """一项需求或活动的签到记录，供组织者确认。"""
    principal = current_principal()
    activity = activities.get_any(query.activity, principal)
    rows = attendance.records_of_activity(principal, activity)
    return {"items": [record_out(record, activity, volunteer) for record, volunteer in rows]}


@api.post(
    "/attendance/<int:id>/confirm",
    responses={200: RecordOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    security=BEARER,
)
@login_required("secretary", "staff")
def confirm(path: RecordPath, body: ConfirmIn):
    """组织者确认记录（谁组织谁记录、谁记录谁证明）；确认后时长计入累计。"""
    record = attendance.confirm(current_principal(), path.id, hours=body.hours, reason=body.reason)
    return record_out(record, *attendance.get_record(record.id)[1:])


@api.post(
    "/attendance/<int:id>/correct",
    responses={200: RecordOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    security=BEARER,
)
@login_required("secretary", "staff")
def correct(path: RecordPath, body: CorrectIn):
    """更正已确认的记录，须说明原因。"""
    record = attendance.correct(current_principal(), path.id, hours=body.hours, reason=body.reason)
    return record_out(record, *attendance.get_record(record.id)[1:])


@api.post("/attendance/<int:id>/correction-requests", responses={201: CorrectionOut, 404: ErrorOut}, security=BEARER)
@login_required("volunteer")
def request_correction(path: RecordPath, body: CorrectionRequestIn):
    """志愿者申请更正自己的记录；组织者会收到通知。"""
    request_row = attendance.request_correction(current_principal(), path.id, reason=body.reason, hours=body.hours)
    return CorrectionOut.model_validate(request_row).model_dump(mode="json"), 201


@api.get("/volunteers/me/records", responses={200: MyRecords, 404: ErrorOut}, security=BEARER)
@login_required("volunteer")
def my_records():
    """我的服务记录、累计确认时长与星级。"""
    summary = attendance.my_records(current_principal())
    return MyRecords(
        items=[record_out(r, a) for r, a in summary.records],
        total_hours=summary.confirmed_minutes / 60,
        star_level=summary.stars,
        next_star_hours=summary.next_star_hours,
    ).model_dump(mode="json")


def certificate_out(certificate: Certificate) -> dict:
    return CertificateOut(
        number=certificate.number,
        verify_code=certificate.verify_code,
        name=certificate.name,
        volunteer_no=certificate.volunteer_no,
        hours=certificate.minutes / 60,
        records=certificate.records,
        content=certificate.content,
        issuer=certificate.issuer,
        issued_at=certificate.issued_at,
        pdf_url=url_for("attendance.certificate_pdf", number=certificate.number),
        verify_url=_verify_url(certificate),
    ).model_dump(mode="json")


def _verify_url(certificate: Certificate) -> str:
    return url_for("verify.verify_certificate", code=certificate.verify_code, _external=True)


@api.post("/volunteers/me/certificates", responses={201: CertificateOut, 409: ErrorOut}, security=BEARER)
@login_required("volunteer")
def issue_certificate():
    """开具志愿服务证明（已确认时长的快照），带证明编号和查验码。"""
    return certificate_out(certificates.issue(current_principal())), 201


@api.get("/volunteers/me/certificates/<number>.pdf", responses={404: ErrorOut}, security=BEARER)
@login_required("volunteer")
def certificate_pdf(path: CertificatePath):
    certificate = certificates.own(current_principal(), path.number)
    pdf = certificates.render_pdf(certificate, _verify_url(certificate))
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{certificate.number}.pdf"'},
    )


VERIFY_PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>志愿服务证明查验</title>
<body style="font-family:sans-serif;max-width:32em;margin:2em auto;padding:0 1em">
<h1>志愿服务证明查验</h1>
<p style="color:#0a0">✔ 该证明真实有效</p>
<table><tr><td>证明编号</td><td>{{ c.number }}</td></tr><tr><td>姓名</td><td>{{ c.name }}</td></tr>
<tr><td>服务时长</td><td>{{ hours }} 小时（{{ c.records }} 次）</td></tr>
<tr><td>出具单位</td><td>{{ c.issuer }}</td></tr><tr><td>出具日期</td><td>{{ issued }}</td></tr></table>
</body></html>"""


NOT_FOUND_PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>志愿服务证明查验</title>
<body style="font-family:sans-serif;max-width:32em;margin:2em auto;padding:0 1em">
<h1>志愿服务证明查验</h1><p style="color:#c00">✘ {{ message }}</p></body></html>"""


def _wants_html() -> bool:
    """A browser (WeChat's too, after scanning the code on the paper) asks for HTML first."""
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


@public.get("/verify/<code>", responses={200: VerifyOut, 404: ErrorOut})
def verify_certificate(path: VerifyPath):
    """公开查验证明：只显示姓名和时长，不显示其他个人信息。"""
    vary = {"Vary": "Accept"}
    try:
        certificate = certificates.verify(path.code)
    except NotFound as error:
        if not _wants_html():
            raise
        return render_template_string(NOT_FOUND_PAGE, message=error.message), 404, vary
    out = VerifyOut(
        valid=True,
        number=certificate.number,
        name=certificate.name,
        hours=certificate.minutes / 60,
        records=certificate.records,
        issuer=certificate.issuer,
        issued_at=certificate.issued_at,
    )
    if _wants_html():
        page = render_template_string(
            VERIFY_PAGE,
            c=certificate,
            hours=f"{out.hours:g}",
            issued=out.model_dump(mode="json")["issued_at"][:10],
        )
        return page, 200, vary
    return out.model_dump(mode="json"), 200, vary
