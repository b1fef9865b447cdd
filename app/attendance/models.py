from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Model, UTCDateTime

RECORD_STATUSES = ("checked_in", "checked_out", "confirmed")


class CheckinCode(Model):
    """A short-lived code the organiser's phone shows; volunteers scan it to check in or out."""

    __tablename__ = "checkin_codes"
    __table_args__ = (Index("ix_checkin_codes_activity_id_expires_at", "activity_id", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 8 characters from an alphabet without look-alikes (no 0/O, 1/I).
    code: Mapped[str] = mapped_column(String(12), unique=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    issued_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Where the organiser's phone was when it showed the code (the venue), if it said: then
    #: volunteers who consented to share their location check in and out only near it.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    #: The QR image drawn for it (WeChat's getwxacodeunlimit, rate-limited per mini-program), kept
    #: while the code lives so that refreshing the screen does not draw it again; emptied after.
    qr_png: Mapped[bytes | None] = mapped_column(LargeBinary)


class ServiceRecord(Model):
    """One volunteer at one activity: check-in, check-out, computed and confirmed service time."""

    __tablename__ = "service_records"
    __table_args__ = (
        CheckConstraint(f"status IN {RECORD_STATUSES}", name="status"),
        CheckConstraint("computed_minutes IS NULL OR computed_minutes >= 0", name="computed_nonnegative"),
        CheckConstraint("confirmed_minutes IS NULL OR confirmed_minutes >= 0", name="confirmed_nonnegative"),
        Index("ix_service_records_volunteer_id_status", "volunteer_id", "status"),
        Index("ix_service_records_activity_id", "activity_id"),
        # Statistics (app/stats): a period's confirmed records, read from the index alone on PostgreSQL.
        Index(
            "ix_service_records_confirmed_checked_in_at",
            "checked_in_at",
            postgresql_include=["volunteer_id", "activity_id", "confirmed_minutes"],
            postgresql_where=text("status = 'confirmed'"),
            sqlite_where=text("status = 'confirmed'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    signup_id: Mapped[int] = mapped_column(ForeignKey("signups.id"), unique=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    #: checked_in → checked_out (by the volunteer, or automatically at the scheduled end) → confirmed.
    status: Mapped[str] = mapped_column(String(12))
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Metres from the organiser's phone at check-in and check-out, where the geofence applied;
    #: the volunteer's position itself is never kept.
    checkin_distance_m: Mapped[int | None] = mapped_column(Integer)
    checkout_distance_m: Mapped[int | None] = mapped_column(Integer)
    #: Closed at the scheduled end because the volunteer did not check out.
    auto_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Service time inside the scheduled window, rounded by the hours rules (travel excluded).
    computed_minutes: Mapped[int | None] = mapped_column(Integer)
    #: Why the organiser should look before confirming (short check-in/out, auto-closed).
    review_note: Mapped[str | None] = mapped_column(String(200))
    #: What counts: set by the organiser's confirmation (or correction).
    confirmed_minutes: Mapped[int | None] = mapped_column(Integer)
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    correction_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CorrectionRequest(Model):
    """A volunteer asking the organiser to correct a record."""

    __tablename__ = "correction_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("service_records.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    requested_minutes: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Certificate(Model):
    """志愿服务证明: a snapshot of a volunteer's confirmed hours, checkable by anyone by its code."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    #: What anyone types or scans to check the certificate; random, not guessable.
    verify_code: Mapped[str] = mapped_column(String(16), unique=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    volunteer_no: Mapped[str] = mapped_column(String(20))
    #: 志愿者统一编号 (national system) as it was when issued; None when the volunteer had none.
    national_no: Mapped[str | None] = mapped_column(String(32))
    minutes: Mapped[int] = mapped_column(Integer)
    records: Mapped[int] = mapped_column(Integer)
    #: A one-line summary of the service content (areas and kinds of activity).
    content: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


#: The area of a service year's row that holds all of the volunteer's service, needs and sessions alike.
ALL_AREAS = ""


class ServiceYear(Model):
    """One volunteer's confirmed service in one China calendar year, month by month: confirmed records
    (rNN) and their confirmed minutes (mNN), for all of it (area "") and per area of the needs served.
    The statistics read a year of a province from here (10⁶ rows) instead of from its records (5·10⁶);
    app/attendance/rollup.py keeps it in step with every confirmation and correction, and keeps the
    volunteer's home beside it so a province's figures need no join."""

    __tablename__ = "service_years"
    __table_args__ = (Index("ix_service_years_year_area_home", "year", "area", "home_region_code"),)

    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    area: Mapped[str] = mapped_column(String(16), primary_key=True)
    home_region_code: Mapped[str | None] = mapped_column(String(12))
    r01: Mapped[int] = mapped_column(Integer, default=0)
    r02: Mapped[int] = mapped_column(Integer, default=0)
    r03: Mapped[int] = mapped_column(Integer, default=0)
    r04: Mapped[int] = mapped_column(Integer, default=0)
    r05: Mapped[int] = mapped_column(Integer, default=0)
    r06: Mapped[int] = mapped_column(Integer, default=0)
    r07: Mapped[int] = mapped_column(Integer, default=0)
    r08: Mapped[int] = mapped_column(Integer, default=0)
    r09: Mapped[int] = mapped_column(Integer, default=0)
    r10: Mapped[int] = mapped_column(Integer, default=0)
    r11: Mapped[int] = mapped_column(Integer, default=0)
    r12: Mapped[int] = mapped_column(Integer, default=0)
    m01: Mapped[int] = mapped_column(Integer, default=0)
    m02: Mapped[int] = mapped_column(Integer, default=0)
    m03: Mapped[int] = mapped_column(Integer, default=0)
    m04: Mapped[int] = mapped_column(Integer, default=0)
    m05: Mapped[int] = mapped_column(Integer, default=0)
    m06: Mapped[int] = mapped_column(Integer, default=0)
    m07: Mapped[int] = mapped_column(Integer, default=0)
    m08: Mapped[int] = mapped_column(Integer, default=0)
    m09: Mapped[int] = mapped_column(Integer, default=0)
    m10: Mapped[int] = mapped_column(Integer, default=0)
    m11: Mapped[int] = mapped_column(Integer, default=0)
    m12: Mapped[int] = mapped_column(Integer, default=0)
