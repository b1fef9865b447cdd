from pydantic import Field, ValidationInfo, field_validator

from app.activities.schemas import ActivityOut, Description, ListQuery, PatchIn, Reason, Rule, Title
from app.core.schemas import Moment, Out, Schema
from app.regions.schemas import RegionCode
from app.volunteers.schemas import AreaCode, Skills


class NeedIn(Schema):
    area: AreaCode
    title: Title
    description: Description
    village: RegionCode = Field(description="需求所在的村（须为本人任职的村）")
    starts_at: Moment
    ends_at: Moment
    slots: int = Field(ge=1, le=200, description="需要的志愿者人数")
    skills: Skills = []
    recurrence: Rule | None = None


class NeedPatch(PatchIn):
    title: Title | None = None
    description: Description | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    slots: int | None = Field(None, ge=1, le=200)


class NeedQuery(ListQuery):
    area: AreaCode | None = None


class ReviewIn(Schema):
    approve: bool
    reason: Reason | None = Field(
        None, validate_default=True, description="驳回原因：approve 为 false 时必填（2–200 字）"
    )

    @field_validator("reason")
    @classmethod
    def _reason_for_rejection(cls, reason: str | None, info: ValidationInfo):
        if info.data.get("approve") is False and not reason:
            raise ValueError("驳回时请填写原因")
        return reason


class NeedOut(ActivityOut):
    area: str
    area_name: str
    skills: list[str]
    slots: int
    review_reason: str | None


class NeedList(Out):
    items: list[NeedOut]
