"""Recognition (山西脱贫攻坚青年先锋): nominations, reviewed by the county, then published by the province."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Model, UTCDateTime

#: nominated → county_approved | rejected; county_approved → published | rejected.
NOMINATION_STATUSES = ("nominated", "county_approved", "rejected", "published")


class Nomination(Model):
    __tablename__ = "nominations"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in NOMINATION_STATUSES)})", name="status"),
        CheckConstraint("year BETWEEN 2000 AND 2099", name="year_range"),
        # A volunteer is up for the honour once a year (a rejected nomination may be followed by another).
        Index(
            "uq_nominations_volunteer_year_live",
            "volunteer_id",
            "year",
            unique=True,
            postgresql_where=text("status <> 'rejected'"),
            sqlite_where=text("status <> 'rejected'"),
        ),
        Index("ix_nominations_county_code_status", "county_code", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"))
    #: The county the nomination belongs to (the nominator's): its staff review it first.
    county_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    #: The year of the honour (the year it was nominated in, China time).
    year: Mapped[int] = mapped_column(Integer)
    #: What the volunteer did, as the nominator tells it; published with the list.
    story: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    nominated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    nominated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    county_reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    county_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    province_reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    province_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why it was rejected (at either review).
    reason: Mapped[str | None] = mapped_column(String(200))
