"""What needs and sessions share in their requests and responses."""

from typing import Annotated, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator

from app.activities.models import STATUSES
from app.core.schemas import MAX_ID, Id, LocalDateTime, MaskedPhone, Moment, Out, Params, Schema
from app.regions.schemas import RegionCode

Title = Annotated[str, Field(min_length=2, max_length=40, description="标题")]
Description = Annotated[str, Field(max_length=1000, description="说明")]
Rule = Annotated[
    str,
    Field(min_length=8, max_length=200, description="RFC 5545 重复规则，如 FREQ=WEEKLY;BYDAY=TU;COUNT=12"),
]
Reason = Annotated[str, Field(min_length=2, max_length=200)]
ProgramId = Annotated[int, Field(gt=0, le=MAX_ID, description="所属项目（GET /programs 中在用的项目 id）")]
Status = Literal[STATUSES]  # type: ignore[valid-type]


class ActivityPath(Params):
    id: Id


class ListQuery(Params):
    region: RegionCode | None = Field(None, description="区划代码：该区划及其下级")
    status: Status | None = None
    starts_from: Moment | None = Field(None, alias="from", description="开始时间不早于")
    starts_to: Moment | None = Field(None, alias="to", description="开始时间早于")
    limit: int = Field(50, ge=1, le=200)


class PatchIn(Schema):
    """A partial change: a field left out stays as it is; null is not a value any field can take,
    except those in NULLABLE (where null clears the value)."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value, info: ValidationInfo):
        if value is None and info.field_name not in cls.NULLABLE:
            raise ValueError("不能为空；不修改请不要提交此字段")
        return value


class CancelIn(Schema):
    reason: Reason


class ActivityOut(Out):
    id: int
    title: str
    description: str
    village: str = Field(validation_alias="village_code")
    village_name: str
    starts_at: LocalDateTime
    ends_at: LocalDateTime
    capacity: int
    taken: int
    status: str = Field(description="pending_review / open / filled / done / cancelled / rejected")
    series_id: int | None
    program_id: int | None = Field(None, description="所属项目 id")
    program_name: str | None = Field(None, description="所属项目名称")
    villagers: int | None = Field(None, description="参与的村民人数（组织者确认记录时填写）")
    poor_households: int | None = Field(None, description="其中建档立卡贫困户村民人数")


class SignupOut(Out):
    id: int
    status: str = Field(description="confirmed / waitlisted / cancelled / no_show (ended without checking in)")
    position: int | None = Field(None, description="候补位次（仅 waitlisted）")


class RosterEntry(Out):
    signup_id: int
    volunteer_no: str | None
    name: str
    phone: MaskedPhone = Field(description="脱敏手机号，如 138****5678")
    status: str
    signed_up_at: LocalDateTime


class Roster(Out):
    items: list[RosterEntry]
