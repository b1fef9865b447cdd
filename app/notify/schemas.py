from typing import Literal

from pydantic import Field, field_validator

from app.core.schemas import Id, LocalDateTime, Out, Params, Schema


class InboxQuery(Params):
    before_id: Id | None = Field(None, description="翻页：只返回 id 小于此值的消息")
    limit: int = Field(20, ge=1, le=100)


class MessagePath(Params):
    message_id: Id


class MessageOut(Out):
    id: int
    purpose: str
    title: str
    body: str
    link: str | None
    created_at: LocalDateTime
    read: bool


class InboxOut(Out):
    items: list[MessageOut]
    unread: int


SubscribeStatus = Literal["accept", "reject", "ban", "filter"]


class SubscriptionResults(Schema):
    """What wx.requestSubscribeMessage answered, per template id. Its "errMsg" entry may be left in."""

    results: dict[str, SubscribeStatus] = Field(
        min_length=1, max_length=20, description="模板 id → accept（允许）| reject（拒绝）| ban | filter"
    )

    @field_validator("results", mode="before")
    @classmethod
    def _drop_err_msg(cls, value):
        return {k: v for k, v in value.items() if k != "errMsg"} if isinstance(value, dict) else value


class SubscriptionOut(Out):
    purpose: str = Field(
        description="用途：assignment 派单通知 | reminder 活动提醒 | broadcast 通知公告 | signup_result 报名结果"
    )
    template_id: str
    kind: str = Field(description="one_time 一次性 | long_term 长期")
    remaining: int | None = Field(description="一次性模板：剩余可推送次数；长期模板为 null")
    active: bool = Field(description="现在能否推送")
    renew: bool = Field(description="小程序应再次请求用户订阅")


class SubscriptionsOut(Out):
    items: list[SubscriptionOut]
    renew: list[str] = Field(description="应再次请求订阅的模板 id（一次性与长期模板不能在同一次请求中混用）")
