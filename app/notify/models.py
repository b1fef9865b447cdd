from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime, db

PURPOSES = ("assignment", "reminder", "broadcast", "signup_result", "notice")
DELIVERIES = ("pending", "sent", "inbox_only", "failed", "dead", "none")


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint(f"purpose IN {PURPOSES}", name="purpose"),
        CheckConstraint(f"delivery IN {DELIVERIES}", name="delivery"),
        Index("ix_messages_user_id_id", "user_id", "id"),
        Index(
            "ix_messages_pending",
            "next_attempt_at",
            postgresql_where=text("delivery = 'pending'"),
            sqlite_where=text("delivery = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: assignment 派单通知, reminder 活动提醒, broadcast 通知公告, signup_result 报名结果, notice (inbox only).
    purpose: Mapped[str] = mapped_column(String(16))
    #: Unique per event × recipient × purpose, so the same event never makes two messages.
    key: Mapped[str] = mapped_column(String(128), unique=True)
    title: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    #: Where the mini-program opens it, e.g. "session:12".
    link: Mapped[str | None] = mapped_column(String(64))
    #: Our named fields for the push template (mapped to template keys at send time).
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: pending → sent | inbox_only | failed | dead; "none" for inbox-only notices.
    delivery: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: WeChat's msgid for a delivered push.
    wechat_msgid: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(200))
