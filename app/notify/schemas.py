from pydantic import Field

from app.core.schemas import LocalDateTime, Out, Schema


class InboxQuery(Schema):
    before_id: int | None = Field(None, gt=0, description="翻页：只返回 id 小于此值的消息")
    limit: int = Field(20, ge=1, le=100)


class MessagePath(Schema):
    message_id: int = Field(gt=0)


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
