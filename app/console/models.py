"""Signed-in console sessions: the cookie carries a random id, the row says whether it still counts."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Model, UTCDateTime


class ConsoleSession(Model):
    """One sign-in to the console; ended by signing out, by idling too long, or by its age."""

    __tablename__ = "console_sessions"
    __table_args__ = (Index("ix_console_sessions_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 hex digest of the session id in the cookie; the id itself is never stored.
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The last page seen; idle timeout counts from here.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: signed_out, idle or expired.
    end_reason: Mapped[str | None] = mapped_column(String(16))
