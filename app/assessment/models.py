"""Supervision (督导考核): spot checks of confirmed records, self-checks of a period, yearly targets."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Model, UTCDateTime

SPOT_CHECK_STATUSES = ("open", "done")
ITEM_RESULTS = ("pending", "confirmed", "discrepancy")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class SpotCheck(Model):
    """抽查: a random sample of the confirmed records of a region and period, drawn reproducibly.

    The candidates are the confirmed records of activities in the region's villages checked in within the period
    and confirmed by the moment of the draw, ordered by id; `random.Random(seed).sample(range(population), size)`
    picks their positions (app.assessment.spot_checks.positions), so seed, population and size give the draw back.
    """

    __tablename__ = "spot_checks"
    __table_args__ = (
        CheckConstraint(_in("status", SPOT_CHECK_STATUSES), name="status"),
        CheckConstraint("size > 0 AND size <= population", name="size_within_population"),
        CheckConstraint("share IS NULL OR (share > 0 AND share <= 1)", name="share_range"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
        Index("ix_spot_checks_region_code", "region_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    #: China dates, both included.
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    #: 32 hex digits from the OS CSPRNG; the draw's whole randomness.
    seed: Mapped[str] = mapped_column(String(64))
    #: How many candidate records there were, and how many were drawn (share: what staff asked for, if a share).
    population: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    share: Mapped[float | None] = mapped_column(Float)
    #: Candidates were confirmed no later than this (the draw's moment): a later confirmation is not in the draw.
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: open until every drawn record is verified, then done.
    status: Mapped[str] = mapped_column(String(8))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SpotCheckItem(Model):
    """One drawn record and what the check found."""

    __tablename__ = "spot_check_items"
    __table_args__ = (
        CheckConstraint(_in("result", ITEM_RESULTS), name="result"),
        CheckConstraint("result <> 'discrepancy' OR note IS NOT NULL", name="note_for_discrepancy"),
        UniqueConstraint("spot_check_id", "position"),
        Index("ix_spot_check_items_record_id", "record_id"),
    )

    spot_check_id: Mapped[int] = mapped_column(ForeignKey("spot_checks.id", ondelete="CASCADE"), primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("service_records.id"), primary_key=True)
    #: The record's place (0-based) among the candidates ordered by id: what the seed chose.
    position: Mapped[int] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(String(12), default="pending")
    note: Mapped[str | None] = mapped_column(String(200))
    #: The confirmed minutes before and after the correction a discrepancy made (None when it changed no hours).
    minutes_before: Mapped[int | None] = mapped_column(Integer)
    minutes_after: Mapped[int | None] = mapped_column(Integer)
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SelfCheck(Model):
    """自查: a region's staff mark their own review of a period done, with what they found."""

    __tablename__ = "self_checks"
    __table_args__ = (
        UniqueConstraint("region_code", "period_start", "period_end"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    findings: Mapped[str] = mapped_column(Text)
    done_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AssessmentTarget(Model):
    """A region's yearly targets, set by staff of a region above it (or an admin); None: no target for that figure."""

    __tablename__ = "assessment_targets"
    __table_args__ = (
        UniqueConstraint("region_code", "year"),
        CheckConstraint("year BETWEEN 2000 AND 2099", name="year_range"),
        CheckConstraint("fill_rate IS NULL OR (fill_rate >= 0 AND fill_rate <= 1)", name="fill_rate_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    year: Mapped[int] = mapped_column(Integer)
    volunteers: Mapped[int | None] = mapped_column(Integer)
    active_volunteers: Mapped[int | None] = mapped_column(Integer)
    hours: Mapped[int | None] = mapped_column(Integer)
    needs_posted: Mapped[int | None] = mapped_column(Integer)
    needs_filled: Mapped[int | None] = mapped_column(Integer)
    fill_rate: Mapped[float | None] = mapped_column(Float)
    relay_weeks_covered: Mapped[int | None] = mapped_column(Integer)
    sessions_held: Mapped[int | None] = mapped_column(Integer)
    #: Counted once part A's villagers reached reach the statistics (app.assessment.sheet.SheetFigures).
    villagers_reached: Mapped[int | None] = mapped_column(Integer)
    set_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


#: The figures a target can be set for, in the sheet's order.
TARGET_FIELDS = (
    "volunteers",
    "active_volunteers",
    "hours",
    "needs_posted",
    "needs_filled",
    "fill_rate",
    "relay_weeks_covered",
    "sessions_held",
    "villagers_reached",
)
