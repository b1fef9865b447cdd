from flask import Response, request
from flask_openapi3 import APIBlueprint, Tag

from app.activities import queries as activities
from app.activities.schemas import ActivityPath
from app.attendance import certificates, codes, views
from app.attendance import operations as attendance
from app.attendance.schemas import (
    PDF_RESPONSE,
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
)
from app.core.auth import login_required, require_principal
from app.core.errors import NotFound
from app.core.schemas import ErrorOut

api = APIBlueprint(
    "attendance",
    __name__,
    url_prefix="/api/v1",
    abp_tags=[Tag(name="attendance", description="签到签退、服务记录与证明")],
)
public = APIBlueprint(
    "verify", __name__, abp_tags=[Tag(name="verify", description="证明查验")], template_folder="templates"
)
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def _checkin_code(type_: str, activity_id: int, query: CheckinCodeQuery) -> dict:
    principal = require_principal()
    activity = activities.get(type_, activity_id, principal)
    issued = codes.issue_code(principal, activity, at=codes.position(query.latitude, query.longitude))
    return views.checkin_code_out(issued)


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
    record = attendance.check_in(require_principal(), body.code, at=_position(body))
    return views.record_out(record, *attendance.get_record(record.id)[1:]), 201


@api.post("/checkouts", responses={200: RecordOut, 409: ErrorOut, 422: ErrorOut}, security=BEARER)
@login_required("volunteer")
def check_out(body: CodeIn):
    """现场扫码签退；服务时长按计划时间内的实际时间计算。"""
    record = attendance.check_out(require_principal(), body.code, at=_position(body))
    return views.record_out(record, *attendance.get_record(record.id)[1:])


@api.get("/attendance", responses={200: RecordList, 404: ErrorOut}, security=BEARER)
@login_required("secretary", "staff")
def activity_records(query: ActivityQuery):
    """一项需求或活动的签到记录，供组织者确认。"""
    principal = require_principal()
    activity = activities.get_any(query.activity, principal)
    rows = attendance.records_of_activity(principal, activity)
    return {"items": [views.record_out(record, activity, volunteer) for record, volunteer in rows]}


@api.post(
    "/attendance/<int:id>/confirm",
    responses={200: RecordOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    security=BEARER,
)
@login_required("secretary", "staff")
def confirm(path: RecordPath, body: ConfirmIn):
    """组织者确认记录（谁组织谁记录、谁记录谁证明）；确认后时长计入累计。可同时填写这项活动参与的村民人数（只记人数）。"""
    record = attendance.confirm(
        require_principal(),
        path.id,
        hours=body.hours,
        reason=body.reason,
        villagers=body.villagers,
        poor_households=body.poor_households,
    )
    return views.record_out(record, *attendance.get_record(record.id)[1:])


@api.post(
    "/attendance/<int:id>/correct",
    responses={200: RecordOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    security=BEARER,
)
@login_required("secretary", "staff")
def correct(path: RecordPath, body: CorrectIn):
    """更正已确认的记录，须说明原因。"""
    record = attendance.correct(require_principal(), path.id, hours=body.hours, reason=body.reason)
    return views.record_out(record, *attendance.get_record(record.id)[1:])


@api.post("/attendance/<int:id>/correction-requests", responses={201: CorrectionOut, 404: ErrorOut}, security=BEARER)
@login_required("volunteer")
def request_correction(path: RecordPath, body: CorrectionRequestIn):
    """志愿者申请更正自己的记录；组织者会收到通知。"""
    request_row = attendance.request_correction(require_principal(), path.id, reason=body.reason, hours=body.hours)
    return CorrectionOut.model_validate(request_row).model_dump(mode="json"), 201


@api.get("/volunteers/me/records", responses={200: MyRecords, 404: ErrorOut}, security=BEARER)
@login_required("volunteer")
def my_records():
    """我的服务记录、累计确认时长与星级。"""
    return views.my_records_out(attendance.my_records(require_principal()))


@api.post("/volunteers/me/certificates", responses={201: CertificateOut, 409: ErrorOut}, security=BEARER)
@login_required("volunteer")
def issue_certificate():
    """开具志愿服务证明（已确认时长的快照），带证明编号和查验码。"""
    return views.certificate_out(certificates.issue(require_principal())), 201


@api.get("/volunteers/me/certificates/<number>.pdf", responses={200: PDF_RESPONSE, 404: ErrorOut}, security=BEARER)
@login_required("volunteer")
def certificate_pdf(path: CertificatePath):
    certificate = certificates.own(require_principal(), path.number)
    pdf = certificates.render_pdf(certificate, views.verify_url(certificate))
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{certificate.number}.pdf"'},
    )


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
        return views.not_found_page(error.message), 404, vary
    out = views.verify_out(certificate)
    if _wants_html():
        return views.verify_page(out), 200, vary
    return out.model_dump(mode="json"), 200, vary
