"""Offers (a seat held for one volunteer until they answer) and the rounds that make them."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Model, UTCDateTime

OFFER_STATUSES = ("offered", "accepted", "declined", "expired", "revoked")


class DispatchRound(Model):
    """One run of the dispatcher over a scope, kept with its figures."""

    __tablename__ = "dispatch_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The region code prefix the round covered (a county, a city, the province).
    region_code: Mapped[str] = mapped_column(String(12))
    #: The staff user who started it; None for the bot.
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Input sizes: open unheld slots, eligible volunteers, eligible (volunteer, slot) edges.
    slots: Mapped[int] = mapped_column(Integer, default=0)
    volunteers: Mapped[int] = mapped_column(Integer, default=0)
    edges: Mapped[int] = mapped_column(Integer, default=0)
    #: What it did: offers made, slots filled by them, their total cost.
    offers: Mapped[int] = mapped_column(Integer, default=0)
    filled: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[int] = mapped_column(Integer, default=0)
    #: The solver's own word (e.g. OPTIMAL), and what the round cost to run.
    solver_status: Mapped[str | None] = mapped_column(String(32))
    seconds: Mapped[float | None]
    peak_memory_kb: Mapped[int | None] = mapped_column(Integer)


class Offer(Model):
    """A slot of an activity offered to one volunteer: it holds a seat (activities.held) while open."""

    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in OFFER_STATUSES)})", name="status"),
        CheckConstraint("(status = 'revoked') = (revoke_reason IS NOT NULL)", name="revoke_reason_when_revoked"),
        # A volunteer is offered a slot once, ever: declined, expired or revoked, it is not asked again.
        UniqueConstraint("activity_id", "volunteer_id"),
        Index("ix_offers_volunteer_status", "volunteer_id", "status"),
        # The bot's expiry sweep reads only open offers.
        Index(
            "ix_offers_open_expires_at",
            "expires_at",
            postgresql_where=text("status = 'offered'"),
            sqlite_where=text("status = 'offered'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch_rounds.id"))
    #: offered → accepted | declined | expired | revoked.
    status: Mapped[str] = mapped_column(String(12))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The solver's integer cost of this pair, and its terms (reach, skills, fairness, ...).
    cost: Mapped[int] = mapped_column(Integer, default=0)
    terms: Mapped[dict] = mapped_column(JSON, default=dict)
    #: What the volunteer is told of why they were asked, e.g. "同村、技能匹配、近期服务较少".
    why: Mapped[str] = mapped_column(Text, default="")
    revoke_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The confirmed sign-up an accepted offer became.
    signup_id: Mapped[int | None] = mapped_column(ForeignKey("signups.id"))


class DispatchRollup(Model):
    """Per volunteer, what the fairness and reliability terms read: refreshed set-based by the bot each day
    (and by a round finding it stale), bumped by every offer a round writes."""

    __tablename__ = "dispatch_rollups"

    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True)
    #: Confirmed service in the last 90 days, in half-hours (whole numbers, as records keep hours).
    half_hours_90d: Mapped[int] = mapped_column(Integer, default=0)
    offers_90d: Mapped[int] = mapped_column(Integer, default=0)
    declines_90d: Mapped[int] = mapped_column(Integer, default=0)
    #: Confirmed sign-ups not turned up to, in the last year.
    no_shows: Mapped[int] = mapped_column(Integer, default=0)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DispatchCandidate(Model):
    """A slot's ranked next candidates from its last round: an incremental re-offer reads these first."""

    __tablename__ = "dispatch_candidates"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"))
    cost: Mapped[int] = mapped_column(Integer)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch_rounds.id"))


class RegionPairing(Model):
    """结对帮扶: staff pair a helping region with a helped one; the helping region's volunteers count as within
    reach of the helped region's needs (app.dispatch.pairings)."""

    __tablename__ = "region_pairings"
    __table_args__ = (
        UniqueConstraint("helping_code", "helped_code"),
        # Neither may contain the other either (a prefix test by level, checked by app.dispatch.pairings).
        CheckConstraint("helping_code <> helped_code", name="distinct_regions"),
        Index("ix_region_pairings_helped_code", "helped_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    helping_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    helped_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
