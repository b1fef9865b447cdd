"""What the broadcasts API accepts and returns."""

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from app.activities.schemas import Title
from app.core.schemas import Id, LocalDateTime, Moment, Out, Params, Schema
from app.regions.schemas import RegionCode
from app.volunteers.schemas import Areas

Role = Literal["volunteer", "secretary"]


def _distinct(values: list) -> list:
    if len(set(values)) != len(values):
        raise ValueError("不能有重复项")
    return values


Roles = Annotated[list[Role], Field(min_length=1, max_length=2), AfterValidator(_distinct)]


class AudienceIn(Schema):
    """Everyone who is in the region and in one of the area teams and holds one of the roles."""

    region: RegionCode = Field(description="区划代码（须在本人辖区内）：该区划及其下级")
    areas: Areas | None = Field(None, description="服务领域队伍；不填则不限")
    roles: Roles | None = Field(None, description="volunteer（按常住地）/ secretary（按任职村）；不填则两者都包括")


class BroadcastIn(Schema):
    title: Title
    body: str = Field(min_length=1, max_length=1000, description="正文")
    audience: AudienceIn
    send_at: Moment | None = Field(None, description="定时发送；不填则立即发送；不能早于当前时间")


class PreviewIn(Schema):
    audience: AudienceIn


class PreviewOut(Out):
    recipients: int = Field(description="现在发送时的受众人数（与发送时确定受众的查询相同；不含已注销的人）")


class BroadcastPath(Params):
    id: Id


class BroadcastQuery(Params):
    before_id: Id | None = Field(None, description="翻页：只返回 id 小于此值的通知")
    limit: int = Field(20, ge=1, le=100)


class AudienceOut(Out):
    region: str
    areas: list[str] = Field(description="空：不限领域")
    roles: list[str]


class BroadcastOut(Out):
    id: int
    title: str
    body: str
    audience: AudienceOut
    status: str = Field(description="scheduled / sending / sent / cancelled")
    send_at: LocalDateTime
    recipients: int | None = Field(description="受众人数：立即发送时为写入的消息数，定时发送在发出前为创建时的估计")
    created_at: LocalDateTime
    resolved_at: LocalDateTime | None
    cancelled_at: LocalDateTime | None


class Counts(Out):
    queued: int = Field(description="待推送")
    sent: int = Field(description="已推送")
    inbox_only: int = Field(description="仅站内消息（无法推送或未订阅）")
    failed: int = Field(description="推送失败（含重试用尽）")
    cancelled: int = Field(description="撤回时尚未推送")


class BroadcastDetail(BroadcastOut):
    counts: Counts


class BroadcastList(Out):
    items: list[BroadcastOut]
