import re
from datetime import date
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, Field, WithJsonSchema, model_validator

from app.core import clock
from app.core.schemas import ClockTime, LocalDateTime, MaskedIdNumber, MaskedPhone, Out, Params, Schema
from app.regions.schemas import RegionCode
from config.catalog import AREAS

# One of the catalog's area codes. The Literal is built from the catalog at run time (pydantic checks
# it and documents the enum); a type checker cannot evaluate that, and sees the str it is.
if TYPE_CHECKING:
    AreaCode = str
else:
    AreaCode = Literal[tuple(AREAS)]

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"


# ASCII only: str.isdigit() and \d also accept full-width and superscript digits, which would
# slip past the duplicate checks (a different keyed hash for the same number) or break int().
MOBILE = re.compile(r"1[3-9][0-9]{9}")
RESIDENT_ID = re.compile(r"[0-9]{17}[0-9X]")


def _mainland_mobile(value: str) -> str:
    if not MOBILE.fullmatch(value):
        raise ValueError("请输入有效的中国大陆手机号（11 位）")
    return value


def _resident_id(value: str) -> str:
    """GB 11643: 17 digits (of which a real birth date) and an ISO 7064 MOD 11-2 check character."""
    value = value.upper()
    if not RESIDENT_ID.fullmatch(value):
        raise ValueError("身份证号应为 18 位")
    if ID_CHECK[sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS, strict=True)) % 11] != value[17]:
        raise ValueError("身份证号校验位不正确")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1900 or born > clock.local(clock.now()).date():
        raise ValueError("身份证号中的出生日期不正确")
    return value


def _distinct(values: list) -> list:
    if len(set(values)) != len(values):
        raise ValueError("不能有重复项")
    return values


Phone = Annotated[
    str,
    AfterValidator(_mainland_mobile),
    WithJsonSchema({"type": "string", "pattern": f"^{MOBILE.pattern}$", "description": "中国大陆手机号（11 位）"}),
]
IdNumber = Annotated[str, AfterValidator(_resident_id)]
Name = Annotated[str, Field(min_length=2, max_length=20, description="真实姓名")]
Skill = Annotated[str, Field(min_length=1, max_length=20)]
Areas = Annotated[list[AreaCode], Field(min_length=1, max_length=9), AfterValidator(_distinct)]
Skills = Annotated[list[Skill], Field(max_length=20), AfterValidator(_distinct)]


class AvailabilitySlot(Schema):
    weekday: int = Field(ge=1, le=7, description="星期几，1 为周一")
    start: ClockTime = Field(description="开始时间 HH:MM（北京时间）")
    end: ClockTime = Field(description="结束时间 HH:MM（北京时间）")

    @model_validator(mode="after")
    def _ordered(self):
        if self.end <= self.start:
            raise ValueError("结束时间必须晚于开始时间")
        return self


Availability = Annotated[list[AvailabilitySlot], Field(max_length=21)]


class ConsentIn(Schema):
    version: str = Field(min_length=1, max_length=16, description="所同意的隐私政策版本")
    sensitive: bool = Field(False, description="单独同意处理敏感个人信息（身份证号、位置）")


class VolunteerIn(Schema):
    name: Name
    phone: Phone
    id_number: IdNumber | None = Field(None, description="身份证号，仅在需要投保的活动中填写")
    gender: Literal["male", "female"] | None = None
    birth_year: int | None = Field(None, ge=1940, le=2015)
    home_region: RegionCode = Field(description="家乡所在的县、乡镇或村")
    areas: Areas = Field(description="愿意服务的领域（九类之中）")
    skills: Skills = []
    availability: Availability = []
    consent: ConsentIn


class VolunteerPatch(Schema):
    name: Name | None = None
    phone: Phone | None = None
    id_number: IdNumber | None = None
    gender: Literal["male", "female"] | None = None
    birth_year: int | None = Field(None, ge=1940, le=2015)
    home_region: RegionCode | None = None
    areas: Areas | None = None
    skills: Skills | None = None
    availability: Availability | None = None
    consent: ConsentIn | None = None
    offers_paused: bool | None = Field(None, description="暂停接收派单邀请（暂停时未答复的邀请一并撤回）")
    monthly_hours_cap: int | None = Field(None, ge=1, le=744, description="每月最多服务小时数；null 为不设上限")
    digest_opt_in: bool | None = Field(None, description="每周一收到家乡所在县近两周缺人需求的汇总（仅站内信）")
    listed: bool | None = Field(None, description="同意以脱敏姓名出现在所在县的服务时长排行榜中")


class ConsentOut(Out):
    version: str
    consented_at: LocalDateTime
    sensitive: bool


class VolunteerOut(Out):
    id: int
    volunteer_no: str | None
    national_no: str | None = Field(None, description="志愿者统一编号（全国志愿服务信息系统），由团委工作人员登记")
    name: str
    phone: MaskedPhone = Field(description="脱敏后的手机号，如 138****5678")
    id_number: MaskedIdNumber = Field(None, description="脱敏后的身份证号")
    gender: str | None
    birth_year: int | None
    home_region: str | None
    areas: list[str]
    skills: list[str]
    availability: list[dict]
    consent: ConsentOut
    offers_paused: bool = Field(False, description="是否暂停接收派单邀请")
    monthly_hours_cap: int | None = Field(None, description="每月最多服务小时数")
    digest_opt_in: bool = Field(False, description="是否订阅每周需求汇总")
    listed: bool = Field(False, description="是否出现在服务时长排行榜中")
    created_at: LocalDateTime
    updated_at: LocalDateTime


class AreaOut(Out):
    code: str
    name: str
    description: str


class AreaList(Out):
    items: list[AreaOut]


class AreaPath(Params):
    area: AreaCode


class MembershipOut(Out):
    area: str
    joined_at: LocalDateTime


class PolicyOut(Out):
    version: str
    title: str


# 志愿者统一编号: letters and digits; the national system's own format is not published in a text we
# could read (see app/exports/national.py), so this is what every number it issues is known to be.
NATIONAL_NO = re.compile(r"[0-9A-Z]{6,32}")


def _national_no(value: str) -> str:
    value = value.upper()
    if not NATIONAL_NO.fullmatch(value):
        raise ValueError("志愿者统一编号应为 6–32 位字母或数字")
    try:
        _resident_id(value)
    except ValueError:
        return value
    raise ValueError("这是身份证号，不是志愿者统一编号；请填写全国志愿服务信息系统给出的编号")


NationalNo = Annotated[
    str,
    AfterValidator(_national_no),
    WithJsonSchema({"type": "string", "pattern": "^[0-9A-Za-z]{6,32}$", "description": "志愿者统一编号"}),
]


class VolunteerPath(Params):
    id: int = Field(gt=0, le=2**31 - 1)


class NationalNoIn(Schema):
    national_no: NationalNo | None = Field(
        description="全国志愿服务信息系统的志愿者统一编号（不是身份证号）；null 为清除"
    )


class NationalNoOut(Out):
    id: int
    volunteer_no: str | None
    national_no: str | None
    name: str
