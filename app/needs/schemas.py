from pydantic import AwareDatetime, Field, model_validator

from app.activities.schemas import ActivityOut, Description, ListQuery, Reason, Rule, Title
from app.core.schemas import Out, Schema
from app.regions.schemas import RegionCode
from app.volunteers.schemas import AreaCode, Skills


class NeedIn(Schema):
    area: AreaCode
    title: Title
    description: Description
    village: RegionCode = Field(description="需求所在的村（须为本人任职的村）")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    slots: int = Field(ge=1, le=200, description="需要的志愿者人数")
    skills: Skills = []
    recurrence: Rule | None = None


class NeedPatch(Schema):
    title: Title | None = None
    description: Description | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    slots: int | None = Field(None, ge=1, le=200)


class NeedQuery(ListQuery):
    area: AreaCode | None = None


class ReviewIn(Schema):
    approve: bool
    reason: Reason | None = None

    @model_validator(mode="after")
    def _reason_for_rejection(self):
        if not self.approve and not self.reason:
            raise ValueError("驳回时请填写原因")
        return self


class NeedOut(ActivityOut):
    area: str
    area_name: str
    skills: list[str]
    slots: int
    review_reason: str | None


class NeedList(Out):
    items: list[NeedOut]
