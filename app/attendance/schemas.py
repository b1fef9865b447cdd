from pydantic import Field, ValidationInfo, field_validator

from app.attendance.reach import MAX_VILLAGERS
from app.core.schemas import Id, LocalDateTime, Out, Params, Schema


class Location(Schema):
    """A phone's position from wx.getLocation (GCJ-02, as WeChat gives it)."""

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class CodeIn(Schema):
    code: str = Field(min_length=4, max_length=16, description="扫码得到的签到码")
    location: Location | None = Field(
        None,
        description="志愿者手机定位；仅对另行同意提供位置信息的志愿者使用，只用于判断是否在现场，不保存",
    )


class CheckinCodeQuery(Params):
    latitude: float | None = Field(None, ge=-90, le=90, description="组织者手机定位（纬度），须与 longitude 同时给出")
    longitude: float | None = Field(
        None,
        ge=-180,
        le=180,
        description="组织者手机定位（经度），须与 latitude 同时给出；给出后，同意提供位置的志愿者须在附近签到签退",
    )


class RecordPath(Params):
    id: Id


class ActivityQuery(Params):
    activity: Id = Field(description="需求或活动的 id")


class CertificatePath(Params):
    number: str = Field(min_length=6, max_length=24)


class VerifyPath(Params):
    code: str = Field(min_length=6, max_length=16)


class CheckinCodeOut(Out):
    code: str
    scene: str = Field(description="小程序码的 scene 参数（不超过 32 个字符）")
    page: str
    expires_at: LocalDateTime
    qr_png_base64: str = Field(description="签到二维码 PNG（base64）")


class ConfirmIn(Schema):
    hours: float | None = Field(None, ge=0, le=24, description="确认的服务时长；不填则按签到签退计算")
    reason: str | None = Field(None, min_length=2, max_length=200, description="时长与计算值不同时必填")
    villagers: int | None = Field(
        None,
        ge=0,
        le=MAX_VILLAGERS,
        description="这项需求或活动参与的村民人数（只记人数，不记身份）；以最后一次填写为准",
    )
    poor_households: int | None = Field(
        None, ge=0, le=MAX_VILLAGERS, description="其中建档立卡贫困户村民人数（须同时填写 villagers，且不超过它）"
    )

    @field_validator("poor_households")
    @classmethod
    def _poor_within_villagers(cls, poor: int | None, info: ValidationInfo):
        if poor is None or "villagers" not in info.data:  # a bad villagers count is reported on its own
            return poor
        villagers = info.data["villagers"]
        if villagers is None:
            raise ValueError("填写贫困户村民人数时须同时填写参与村民人数（villagers）")
        if poor > villagers:
            raise ValueError("贫困户村民人数不能超过参与村民人数")
        return poor


class CorrectIn(Schema):
    hours: float = Field(ge=0, le=24)
    reason: str = Field(min_length=2, max_length=200)


class CorrectionRequestIn(Schema):
    reason: str = Field(min_length=2, max_length=200)
    hours: float | None = Field(None, ge=0, le=24, description="你认为正确的时长")


class ActivityBrief(Out):
    id: int
    type: str
    title: str
    village_name: str
    area: str | None
    kind: str | None
    starts_at: LocalDateTime
    ends_at: LocalDateTime
    program_name: str | None = Field(None, description="所属项目")
    villagers: int | None = Field(None, description="参与的村民人数")
    poor_households: int | None = Field(None, description="其中建档立卡贫困户村民人数")


class VolunteerBrief(Out):
    volunteer_no: str | None
    national_no: str | None = Field(None, description="志愿者统一编号（全国志愿服务信息系统）")
    name: str


class RecordOut(Out):
    id: int
    status: str = Field(description="checked_in / checked_out / confirmed")
    activity: ActivityBrief
    checked_in_at: LocalDateTime
    checked_out_at: LocalDateTime | None
    auto_closed: bool
    checkin_distance_m: int | None = Field(None, description="签到时距组织者手机的距离（米）；未启用位置核验时为 null")
    checkout_distance_m: int | None = Field(None, description="签退时距组织者手机的距离（米）")
    hours: float | None = Field(description="按签到签退计算的时长")
    confirmed_hours: float | None = Field(description="组织方确认的时长（计入累计）")
    review_note: str | None
    confirmed_at: LocalDateTime | None
    correction_reason: str | None
    volunteer: VolunteerBrief | None = None


class RecordList(Out):
    items: list[RecordOut]


class MyRecords(Out):
    items: list[RecordOut]
    volunteer_no: str | None = Field(None, description="本平台志愿者编号")
    national_no: str | None = Field(None, description="志愿者统一编号（全国志愿服务信息系统）；未登记时为 null")
    total_hours: float = Field(description="已确认的累计服务时长")
    star_level: int = Field(description="星级（0–5）")
    next_star_hours: float | None = Field(description="下一星级所需累计时长；已达最高星级时为 null")


class CorrectionOut(Out):
    id: int
    record_id: int
    reason: str
    created_at: LocalDateTime


class CertificateOut(Out):
    number: str
    verify_code: str
    name: str
    volunteer_no: str
    national_no: str | None = Field(None, description="志愿者统一编号（全国志愿服务信息系统）")
    hours: float
    records: int
    content: str
    issuer: str
    issued_at: LocalDateTime
    pdf_url: str
    verify_url: str


class VerifyOut(Out):
    valid: bool
    number: str
    name: str
    hours: float
    records: int
    issuer: str
    issued_at: LocalDateTime


#: The OpenAPI answer of a certificate: a PDF file shown inline.
PDF_RESPONSE = {
    "description": "志愿服务证明 PDF",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
}
