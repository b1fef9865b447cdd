"""What keeps the bot honest across processes: a leader lease and one row per job run."""

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Model, UTCDateTime


class Lease(Model):
    """Who schedules (single-process mode keeps the lease in the database; with Redis, in Redis)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JobRun(Model):
    """One run of one periodic job for one scheduled time; the unique key makes a second run impossible."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "scheduled_for"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(48))
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    holder: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: running → done | failed
    status: Mapped[str] = mapped_column(String(8))
    result: Mapped[str | None] = mapped_column(Text)
