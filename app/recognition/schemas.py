"""What the recognition API accepts and returns."""

from typing import Literal

from pydantic import Field

from app.core.schemas import FIRST_YEAR, LAST_YEAR, Id, LocalDateTime, Out, Params, Schema
from app.regions.schemas import RegionCode


class NominationIn(Schema):
    volunteer_no: str = Field(min_length=4, max_length=20, description="被推荐志愿者的志愿者编号")
    story: str = Field(min_length=20, max_length=2000, description="先进事迹（公布时展示，须通过内容安全检测）")


class NominationPath(Params):
    id: Id


class NominationReviewIn(Schema):
    approve: bool
    reason: str | None = Field(None, min_length=2, max_length=200, description="不通过时必填")


class NominationQuery(Params):
    status: Literal["nominated", "county_approved", "rejected", "published"] | None = None


class NominationOut(Out):
    id: int
    volunteer_no: str | None
    name: str = Field(description="脱敏姓名")
    county: str
    year: int
    story: str
    status: str = Field(
        description="nominated 待县级审核 / county_approved 待省级审核发布 / rejected 未通过 / published 已发布"
    )
    reason: str | None
    nominated_at: LocalDateTime
    county_reviewed_at: LocalDateTime | None
    province_reviewed_at: LocalDateTime | None


class NominationList(Out):
    items: list[NominationOut]


class PioneerQuery(Params):
    year: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR)
    county: RegionCode | None = None


class PioneerOut(Out):
    name: str = Field(description="显示名（脱敏姓名）")
    county: str
    county_name: str
    year: int
    story: str


class PioneerList(Out):
    items: list[PioneerOut]


class RankingQuery(Params):
    county: RegionCode = Field(description="县级区划代码")
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)


class RankedOut(Out):
    rank: int
    name: str = Field(description="显示名（脱敏姓名）；只列出本人同意上榜的志愿者")
    hours: float


class RankingOut(Out):
    county: str
    year: int
    items: list[RankedOut]
