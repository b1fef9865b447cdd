from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime, db

STATUSES = ("scheduled", "sending", "sent", "cancelled")


class Broadcast(db.Model):
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
    #: Area teams to reach (empty: all); roles to reach (volunteer, secretary).
    areas: Mapped[list] = mapped_column(JSON, default=list)
    roles: Mapped[list] = mapped_column(JSON, default=list)
    #: scheduled → sending (outbox filled) → sent (every message settled) | cancelled.
    status: Mapped[str] = mapped_column(String(12))
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recipients: Mapped[int | None]
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
