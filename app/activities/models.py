from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Model, UTCDateTime
from app.programs.models import Program
from app.regions.models import Region
from config.catalog import AREAS, SESSION_KINDS, SESSION_TOPICS

TYPES = ("need", "session")
STATUSES = ("pending_review", "open", "filled", "done", "cancelled", "rejected")
#: no_show: a confirmed sign-up whose activity ended without the volunteer checking in (app.attendance.no_shows).
SIGNUP_STATUSES = ("confirmed", "waitlisted", "cancelled", "no_show")
#: Open for sign-up (filled still takes the waitlist); and what anyone may see, outside any scope.
LIVE = ("open", "filled")
PUBLIC = ("open", "filled", "done", "cancelled")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Series(Model):
    """A recurring series: an RFC 5545 rule whose occurrences are materialised a few weeks ahead."""

    __tablename__ = "series"
    __table_args__ = (CheckConstraint(_in("type", TYPES), name="type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(8))
    #: e.g. FREQ=WEEKLY;BYDAY=TU;UNTIL=20271231T000000
    rule: Mapped[str] = mapped_column(String(200))
    first_starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    #: What every occurrence starts as (village, title, description, area, skills, kind, topic,
    #: capacity), copied from the first when the series began: editing or cancelling any one
    #: occurrence, the first included, leaves the weeks to come as they were planned.
    template: Mapped[dict] = mapped_column(JSON)
    #: Occurrences exist for every rule start before this moment.
    materialized_until: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Needs: set when staff approve the series; sessions: at creation.
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: 扶贫接力: a weekly need covered every week by one volunteer after another (app.dispatch.relay); kept
    #: materialised at least DISPATCH_RELAY_WEEKS_AHEAD weeks ahead, and copied onto every occurrence.
    relay: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Activity(Model):
    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint(_in("type", TYPES), name="type"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        # The database itself refuses an overbooked activity.
        CheckConstraint("taken >= 0 AND taken <= capacity", name="taken_within_capacity"),
        # Seats held by open dispatch offers count too: taken and held never pass capacity together.
        CheckConstraint("held >= 0 AND taken + held <= capacity", name="taken_held_within_capacity"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "villagers IS NULL OR (villagers >= 0 AND (poor_households IS NULL OR "
            "poor_households BETWEEN 0 AND villagers))",
            name="villagers_reached",
        ),
        CheckConstraint("poor_households IS NULL OR villagers IS NOT NULL", name="poor_households_with_villagers"),
        CheckConstraint(f"type <> 'need' OR ({_in('area', AREAS)})", name="need_area"),
        CheckConstraint(
            f"type <> 'session' OR ({_in('kind', SESSION_KINDS)} AND {_in('topic', SESSION_TOPICS)})",
            name="session_kind_topic",
        ),
        UniqueConstraint("series_id", "occurrence_start"),
        Index("ix_activities_type_status_starts_at", "type", "status", "starts_at"),
        Index("ix_activities_village_code_starts_at", "village_code", "starts_at"),
        # Statistics (app/stats): needs posted in a period.
        Index("ix_activities_type_created_at", "type", "created_at"),
        # The console's list of escalated activities reads only those (app.dispatch.escalation.escalated).
        Index(
            "ix_activities_escalated_at",
            "escalated_at",
            postgresql_where=text("escalated_at IS NOT NULL"),
            sqlite_where=text("escalated_at IS NOT NULL"),
        ),
        # Statistics per program (app.stats.programs) start from the activities of a program.
        Index(
            "ix_activities_program_id",
            "program_id",
            postgresql_where=text("program_id IS NOT NULL"),
            sqlite_where=text("program_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "need" (村级需求) or "session" (青年夜校 / 青年讲习所).
    type: Mapped[str] = mapped_column(String(8))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id"))
    #: The rule's start for this occurrence (unchanged when the occurrence is moved).
    occurrence_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    village_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    title: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Needs: one of the nine areas, and the skills wanted.
    area: Mapped[str | None] = mapped_column(String(16))
    skills: Mapped[list] = mapped_column(JSON, default=list)
    #: Sessions: night_school / lecture_hall, and the topic.
    kind: Mapped[str | None] = mapped_column(String(16))
    topic: Mapped[str | None] = mapped_column(String(16))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Seats (sessions) or volunteer slots (needs).
    capacity: Mapped[int] = mapped_column(Integer)
    #: Confirmed sign-ups; changed only by conditional updates, never read-modify-write.
    taken: Mapped[int] = mapped_column(Integer, default=0)
    #: Seats held by open dispatch offers (app/dispatch); like taken, only conditional updates change
    #: it, and never with updated_at (the sign-up target cache keys on that, and holds are not edits).
    held: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Who came: the service records check-in made (one per sign-up), counted up in the same statement
    #: style and never with updated_at, so the statistics need not count a year of records.
    attendees: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_reason: Mapped[str | None] = mapped_column(String(200))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    #: An occurrence of a relay series (Series.relay, copied when materialised).
    relay: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: When staff were told it was still short of volunteers (app.dispatch.escalation): once per activity.
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The league program (项目) it belongs to, if any (app/programs).
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"))
    #: Villagers who took part, and how many of them from registered poor households (建档立卡贫困户):
    #: counts only, never who; entered by the organiser when confirming the records (app.attendance).
    villagers: Mapped[int | None] = mapped_column(Integer)
    poor_households: Mapped[int | None] = mapped_column(Integer)

    #: Loaded with the activity: notices and lists name the village.
    village: Mapped[Region] = relationship(lazy="joined", innerjoin=True)
    #: And the program, by name (a short table).
    program: Mapped[Program | None] = relationship(lazy="joined")

    @property
    def region_code(self) -> str:
        return self.village_code

    @property
    def full(self) -> bool:
        """No free unheld seat."""
        return self.taken + self.held >= self.capacity

    def snapshot(self) -> dict:
        """What the audit trail records of an activity before and after a change."""
        return {
            "status": self.status,
            "title": self.title,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "capacity": self.capacity,
            "taken": self.taken,
            "program_id": self.program_id,
        }


class Signup(Model):
    """A volunteer's seat (confirmed) or place in the queue (waitlisted) for one activity."""

    __tablename__ = "signups"
    __table_args__ = (
        CheckConstraint(_in("status", SIGNUP_STATUSES), name="status"),
        CheckConstraint(_in("source", ("self", "dispatch")), name="source"),
        # One volunteer, one live sign-up per activity (cancelled ones do not count).
        Index(
            "uq_signups_volunteer_activity_live",
            "volunteer_id",
            "activity_id",
            unique=True,
            postgresql_where=text("status <> 'cancelled'"),
            sqlite_where=text("status <> 'cancelled'"),
        ),
        Index("ix_signups_activity_status_id", "activity_id", "status", "id"),
        Index("ix_signups_volunteer_status_starts_at", "volunteer_id", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    #: confirmed, waitlisted (queue order is the id), cancelled, or no_show (confirmed, ended, never checked in).
    status: Mapped[str] = mapped_column(String(12))
    #: "self" (the volunteer signed up) or "dispatch" (an accepted offer).
    source: Mapped[str] = mapped_column(String(8), default="self")
    #: Copied from the activity, so overlap checks need no join.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
