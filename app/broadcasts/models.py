from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Model, UTCDateTime

STATUSES = ("scheduled", "sending", "sent", "cancelled")


class Broadcast(Model):
    __tablename__ = "broadcasts"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        Index("ix_broadcasts_status_send_at", "status", "send_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    #: The region (within the sender's scope) whose people hear it.
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    #: Area teams to reach (empty: any). A secretary is in an area's audience only as a team member.
    areas: Mapped[list] = mapped_column(JSON, default=list)
    #: Roles to reach: volunteer (by home region), secretary (by village); both when none were asked.
    roles: Mapped[list] = mapped_column(JSON, default=list)
    #: scheduled → sending (outbox filled) → sent (nothing left pending) | cancelled (from either).
    #: "sent" is written by the bot's job; readers already show it once nothing is pending.
    status: Mapped[str] = mapped_column(String(12))
    #: When it goes out; the creation time for a broadcast sent at once.
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The audience size: counted at creation, then the number of messages written on resolution.
    recipients: Mapped[int | None]
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
