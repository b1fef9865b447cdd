from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Model, UTCDateTime

# assignment, reminder, broadcast, signup_result are WeChat subscribe-message purposes (config/templates.py);
# notice is inbox only; chat is a customer-service reply to someone who just wrote to the bot.
PURPOSES = ("assignment", "reminder", "broadcast", "signup_result", "notice", "chat")
DELIVERIES = ("pending", "sent", "inbox_only", "failed", "dead", "none", "cancelled")
ALLOWANCE_KINDS = ("one_time", "long_term")


class Message(Model):
    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint(f"purpose IN {PURPOSES}", name="purpose"),
        CheckConstraint(f"delivery IN {DELIVERIES}", name="delivery"),
        Index("ix_messages_user_id_id", "user_id", "id"),
        Index("ix_messages_broadcast_id_delivery", "broadcast_id", "delivery"),
        Index(
            "ix_messages_pending",
            "next_attempt_at",
            postgresql_where=text("delivery = 'pending'"),
            sqlite_where=text("delivery = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A users.id. No foreign key here (nor on broadcast_id): users and broadcasts are never deleted
    #: (withdrawal anonymises in place), and the two FK checks per row doubled the time to fill the
    #: outbox for a province-wide broadcast (bench/broadcast_fill.py).
    user_id: Mapped[int]
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
    #: pending → sent | inbox_only | failed | dead; "none" for inbox-only notices; cancelled (broadcasts).
    delivery: Mapped[str] = mapped_column(String(12), default="pending")
    #: The staff broadcast this message belongs to, if any.
    broadcast_id: Mapped[int | None]
    #: A sender holds the message until then; after a crash another sender may take it.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: WeChat's msgid for a delivered push.
    wechat_msgid: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(200))


class Allowance(Model):
    """The ledger of what a user allowed us to push with one subscribe-message template.

    WeChat gives no way to ask how many one-time allowances are left, so we count: each accepted
    one-time request adds one, each push spends one, 43101 empties it. Long-term templates
    (public-service categories) need no count while active.
    """

    __tablename__ = "allowances"
    __table_args__ = (
        CheckConstraint(f"kind IN {ALLOWANCE_KINDS}", name="kind"),
        CheckConstraint("remaining >= 0", name="remaining_nonnegative"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    template_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    #: One-time allowances not yet spent.
    remaining: Mapped[int] = mapped_column(default=0)
    #: Long-term templates: the user keeps them switched on.
    active: Mapped[bool] = mapped_column(default=False)
    last_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
