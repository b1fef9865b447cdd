from pydantic import Field, ValidationInfo, field_validator

from app.activities.schemas import ActivityOut, Description, ListQuery, PatchIn, ProgramId, Reason, Rule, Title
from app.core.schemas import Id, LocalDateTime, Moment, Out, Params, Schema
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
    program_id: ProgramId | None = None
    relay: bool = Field(
        False,
        validate_default=True,
        description="扶贫接力：每周一次、一位接一位全年不断档的岗位（须每周重复，如 FREQ=WEEKLY;BYDAY=SA;COUNT=52）",
    )

    @field_validator("relay")
    @classmethod
    def _relay_is_weekly(cls, relay: bool, info: ValidationInfo):
        if relay and "recurrence" in info.data and not _once_a_week(info.data["recurrence"]):
            raise ValueError("扶贫接力须每周重复一次（FREQ=WEEKLY，不设 INTERVAL，BYDAY 至多一天）")
        return relay


def _once_a_week(rule: str | None) -> bool:
    """A rule of one occurrence every week (the rule's own checks come later, with the series)."""
    if not rule:
        return False
    parts = dict(part.partition("=")[::2] for part in rule.strip().upper().removeprefix("RRULE:").split(";") if part)
    return (
        parts.get("FREQ") == "WEEKLY"
        and parts.get("INTERVAL", "1") == "1"
        and "," not in parts.get("BYDAY", "")
        and not {"BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYSETPOS"} & parts.keys()
    )


class NeedPatch(PatchIn):
    title: Title | None = None
    description: Description | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    slots: int | None = Field(None, ge=1, le=200)
    program_id: ProgramId | None = Field(None, description="所属项目；null 为不再归属任何项目")

    NULLABLE = frozenset({"program_id"})


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
    relay: bool = Field(False, description="是否扶贫接力岗位")


class NeedList(Out):
    items: list[NeedOut]


class SeriesPath(Params):
    id: Id


class CoverageGap(Out):
    activity_id: int
    starts_at: LocalDateTime


class CoverageOut(Out):
    series_id: int
    weeks: int = Field(description="从首次到接力派单范围末尾的场次（不含已取消）")
    covered: int = Field(description="已有确认报名把名额全部占满的场次（含已结束的）")
    gaps: list[CoverageGap] = Field(
        description="断档：已结束而未满员的场次，以及范围内尚未开始、还有空名额却没有人在被邀请的场次"
    )
    until: LocalDateTime = Field(description="接力派单范围的末尾（现在起 DISPATCH_RELAY_WEEKS_AHEAD 周）")
